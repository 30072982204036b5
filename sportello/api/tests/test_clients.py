"""Integrations' credentials: provisioned once by a command, never kept in clear, rotated and
revoked from the command's operations or the admin."""

import hashlib
import hmac
import io
import json
import re
import subprocess
import time

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import connection

from sportello.accounts.models import User
from sportello.api import operations
from sportello.api.models import ApiClient
from sportello.intake.models import Contact
from sportello.testing import rome

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^(SPORTELLO_CLIENT_ID|SPORTELLO_API_TOKEN|SPORTELLO_HMAC_SECRET)=([\w-]+)$")
OPEN = rome(2026, 11, 25, 10, 0)


def provision(name: str) -> tuple[str, dict[str, str]]:
    out = io.StringIO()
    call_command("create_api_client", name, stdout=out)
    text = out.getvalue()
    values = {}
    for line in text.splitlines():
        match = LINE.match(line)
        assert match, line
        values[match[1]] = match[2]
    return text, values


def every_stored_value() -> list[str]:
    """Every value of every row of every table, as text."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values.extend(str(value) for row in cursor.fetchall() for value in row)
    return values


def queue(http, token: str):
    return http.get("/api/v1/queue/", headers={"Authorization": f"Token {token}"})


def hand_over(http, client_id: str, secret: str, key: str):
    body = json.dumps(
        {
            "call_id": key,
            "caller_number": "333 123 4567",
            "service": "emergency",
            "received_at": OPEN.isoformat(),
        }
    ).encode()
    timestamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return http.post(
        "/api/v1/telephony/calls/",
        data=body,
        content_type="application/json",
        headers={
            "X-Sportello-Client": client_id,
            "X-Sportello-Timestamp": timestamp,
            "X-Sportello-Signature": "sha256=" + mac.hexdigest(),
            "Idempotency-Key": key,
        },
    )


@pytest.fixture
def desk(milan, frozen_now):
    frozen_now(OPEN)


# --- the command -------------------------------------------------------------------------------


def test_the_command_prints_exactly_three_sourceable_lines():
    text, values = provision("centralino-020202")

    lines = text.rstrip("\n").split("\n")
    assert [line.split("=", 1)[0] for line in lines] == [
        "SPORTELLO_CLIENT_ID",
        "SPORTELLO_API_TOKEN",
        "SPORTELLO_HMAC_SECRET",
    ]
    client = ApiClient.objects.get(name="centralino-020202")
    assert values["SPORTELLO_CLIENT_ID"] == client.client_id
    assert len(values["SPORTELLO_API_TOKEN"]) >= 32
    assert len(values["SPORTELLO_HMAC_SECRET"]) >= 32
    assert values["SPORTELLO_API_TOKEN"] != values["SPORTELLO_HMAC_SECRET"]
    # A shell really can source them.
    shell = subprocess.run(  # noqa: S603
        [
            "/bin/sh",
            "-c",
            f'{text}\nprintf "%s|%s|%s" "$SPORTELLO_CLIENT_ID" '
            '"$SPORTELLO_API_TOKEN" "$SPORTELLO_HMAC_SECRET"',
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == "|".join(values.values())


def test_each_client_gets_its_own_credentials():
    _, first = provision("centralino")
    _, second = provision("wallboard")

    assert set(first.values()).isdisjoint(second.values())


def test_neither_token_nor_secret_is_stored_in_clear():
    _, values = provision("centralino")
    token, secret = values["SPORTELLO_API_TOKEN"], values["SPORTELLO_HMAC_SECRET"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apiclient")
        columns = [column[0] for column in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    assert all(token not in str(value) for value in row.values()), row
    assert all(secret not in str(value) for value in row.values()), row
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["token_hint"] == token[-4:]
    assert row["hmac_secret"] and row["hmac_secret"] != secret
    # Nor anywhere else in the database.
    stored = every_stored_value()
    assert not any(token in value or secret in value for value in stored)
    # The model still reads the secret back, to verify signatures.
    assert ApiClient.objects.get().hmac_secret == secret


def test_a_duplicate_name_fails_in_italian_and_writes_nothing():
    provision("centralino")
    before = list(ApiClient.objects.values_list("pk", "token_hash", "hmac_secret"))
    out = io.StringIO()

    with pytest.raises(CommandError, match="Esiste già un client di nome «centralino»"):
        call_command("create_api_client", "centralino", stdout=out)

    assert out.getvalue() == ""
    assert list(ApiClient.objects.values_list("pk", "token_hash", "hmac_secret")) == before


def test_a_name_differing_only_by_spaces_is_a_duplicate():
    provision("centralino")

    with pytest.raises(CommandError, match="Esiste già"):
        call_command("create_api_client", "  centralino ", stdout=io.StringIO())

    assert ApiClient.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "non può essere vuoto"), ("   ", "non può essere vuoto"), ("x" * 101, "100 caratteri")],
)
def test_a_bad_name_fails_in_italian_and_writes_nothing(name, message):
    out = io.StringIO()

    with pytest.raises(CommandError, match=message):
        call_command("create_api_client", name, stdout=out)

    assert out.getvalue() == ""
    assert not ApiClient.objects.exists()


# --- rotation and revocation ------------------------------------------------------------------


def test_rotation_retires_the_old_token_and_secret_at_once(client, desk):
    credentials = operations.create_client("centralino")
    assert queue(client, credentials.token).status_code == 200
    assert hand_over(client, credentials.client.client_id, credentials.secret, "a").status_code == (
        201
    )

    fresh = operations.rotate_credentials(ApiClient.objects.get())

    assert fresh.client.client_id == credentials.client.client_id
    assert fresh.token != credentials.token
    assert fresh.secret != credentials.secret
    assert queue(client, credentials.token).status_code == 401
    old = hand_over(client, credentials.client.client_id, credentials.secret, "b")
    assert old.status_code == 401
    assert queue(client, fresh.token).status_code == 200
    assert hand_over(client, fresh.client.client_id, fresh.secret, "c").status_code == 201
    stored = ApiClient.objects.get()
    assert stored.rotated_at is not None
    assert stored.token_hint == fresh.token[-4:]
    assert Contact.objects.count() == 2


def test_revocation_retires_both_token_and_secret(client, desk):
    credentials = operations.create_client("centralino")
    assert queue(client, credentials.token).status_code == 200

    operations.revoke_client(ApiClient.objects.get())

    assert queue(client, credentials.token).status_code == 401
    refused = hand_over(client, credentials.client.client_id, credentials.secret, "a")
    assert refused.status_code == 401
    assert not Contact.objects.exists()
    stored = ApiClient.objects.get()
    assert stored.is_active is False
    assert stored.revoked_at is not None


def test_revoking_one_client_leaves_the_others_working(client, desk):
    kept = operations.create_client("wallboard")
    gone = operations.create_client("centralino")

    operations.revoke_client(gone.client)

    assert queue(client, gone.token).status_code == 401
    assert queue(client, kept.token).status_code == 200


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    superuser = User.objects.create_superuser("root", "root@example.org", "a-long-password")
    client.force_login(superuser)
    return client


CHANGELIST = "/admin/api/apiclient/"


def test_the_admin_rotates_and_shows_the_new_credentials_once(admin_client, desk):
    credentials = operations.create_client("centralino")

    response = admin_client.post(
        CHANGELIST,
        {"action": "rotate", "_selected_action": [credentials.client.pk]},
        follow=True,
    )

    assert response.status_code == 200
    texts = [str(message) for message in response.context["messages"]]
    shown = [text for text in texts if "SPORTELLO_API_TOKEN=" in text]
    assert len(shown) == 1, texts
    token = re.search(r"SPORTELLO_API_TOKEN=([\w-]+)", shown[0])[1]
    secret = re.search(r"SPORTELLO_HMAC_SECRET=([\w-]+)", shown[0])[1]
    assert f"SPORTELLO_CLIENT_ID={credentials.client.client_id}" in shown[0]
    assert token != credentials.token
    assert secret != credentials.secret
    assert token in response.content.decode()
    # The new credentials work and the old ones no longer do.
    api = type(admin_client)()
    assert queue(api, token).status_code == 200
    assert queue(api, credentials.token).status_code == 401
    assert hand_over(api, credentials.client.client_id, secret, "a").status_code == 201
    assert hand_over(api, credentials.client.client_id, credentials.secret, "b").status_code == 401
    # Shown once: the next page has neither, and the database keeps neither in clear.
    again = admin_client.get(CHANGELIST).content.decode()
    assert token not in again
    assert secret not in again
    assert not any(token in value or secret in value for value in every_stored_value())


def test_the_admin_does_not_rotate_a_revoked_client(admin_client, desk):
    credentials = operations.create_client("centralino")
    operations.revoke_client(credentials.client)
    before = ApiClient.objects.values_list("token_hash", "hmac_secret").get()

    response = admin_client.post(
        CHANGELIST,
        {"action": "rotate", "_selected_action": [credentials.client.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert not any("SPORTELLO_API_TOKEN=" in str(m) for m in response.context["messages"])
    stored = ApiClient.objects.get()
    assert (stored.token_hash, stored.hmac_secret) == before
    assert stored.is_active is False


def test_the_admin_revokes(admin_client, desk):
    credentials = operations.create_client("centralino")
    kept = operations.create_client("wallboard")

    response = admin_client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [credentials.client.pk]}
    )

    assert response.status_code == 302
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == ["Client revocati: 1."]
    api = type(admin_client)()
    assert queue(api, credentials.token).status_code == 401
    assert hand_over(api, credentials.client.client_id, credentials.secret, "a").status_code == 401
    assert queue(api, kept.token).status_code == 200
    revoked = ApiClient.objects.get(name="centralino")
    assert revoked.is_active is False
    assert revoked.revoked_at is not None


def test_the_admin_cannot_add_clients_nor_show_secrets(admin_client, db):
    credentials = operations.create_client("centralino")

    assert admin_client.get(CHANGELIST + "add/").status_code == 403
    page = admin_client.get(f"{CHANGELIST}{credentials.client.pk}/change/").content.decode()
    assert credentials.client.client_id in page
    assert credentials.token not in page
    assert credentials.secret not in page
    assert ApiClient.objects.get().token_hash not in page


def test_only_staff_reach_the_admin_actions(client, db):
    credentials = operations.create_client("centralino")
    user = User.objects.create_user("someone", password="a-long-password")
    client.force_login(user)

    response = client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [credentials.client.pk]}
    )

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert ApiClient.objects.get().is_active is True
