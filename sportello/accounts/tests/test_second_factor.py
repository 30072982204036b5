"""The second factor: who must give it, enrolment, verification, recovery codes, reset, and
no copies of staff pages in caches."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sportello.accounts import mfa
from sportello.accounts.models import User

ENROL = "/personale/secondo-fattore/attiva/"
VERIFY = "/personale/secondo-fattore/"
CODES = "/personale/secondo-fattore/codici/"


@pytest.fixture
def mfa_required(settings):
    settings.SPORTELLO_REQUIRE_MFA = True


@pytest.fixture
def sign_in(milan, make_staff, client):
    """A staff member with a role, signed in with a password only."""

    def sign(role: str = "professional", username: str | None = None) -> User:
        user = make_staff(role, username=username)
        client.force_login(user)
        return user

    return sign


def give_authenticator(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Sportello", confirmed=True)


def give_recovery_codes(user: User, *codes: str) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Codici di recupero", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return device


def code_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def shown_codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4} [a-z2-7]{4})</code></li>", html)


def lets_through(client) -> bool:
    """The staff home sends the user on to their work, not to sign in or to the second factor."""
    response = client.get("/personale/")
    return response.status_code == 302 and not re.search("secondo-fattore|accesso", response.url)


def verified_client(client, user: User) -> TOTPDevice:
    """Sign the user in and give the second factor, as the verification page does."""
    device = give_authenticator(user)
    client.force_login(user)
    response = client.post(VERIFY, {"code": code_now(device)})
    assert response.status_code == 302 and VERIFY not in response.url
    return device


# Who must give it


@pytest.mark.parametrize("role", ["professional", "coordinator"])
def test_staff_who_see_health_data_are_sent_to_enrol_first(mfa_required, sign_in, client, role):
    sign_in(role)
    response = client.get("/personale/coda/")
    assert response.status_code == 302
    assert response.url == ENROL + "?next=%2Fpersonale%2Fcoda%2F"
    assert client.get("/admin/").url.startswith(ENROL)


def test_english_pages_send_to_the_english_second_factor_page(mfa_required, sign_in, client):
    sign_in("professional")
    assert client.get("/en/personale/coda/").url.startswith("/en" + ENROL)


def test_with_an_authenticator_they_are_asked_to_verify(mfa_required, sign_in, client):
    user = sign_in("coordinator")
    give_authenticator(user)
    response = client.get("/personale/")
    assert response.url == VERIFY + "?next=%2Fpersonale%2F"


def test_nobody_is_stopped_when_the_second_factor_is_not_required(sign_in, client):
    sign_in("professional")
    assert lets_through(client)


@pytest.mark.parametrize("role", ["switchboard", "dpo", "management"])
def test_roles_that_never_see_health_data_are_not_stopped(mfa_required, sign_in, client, role):
    sign_in(role)
    response = client.get("/personale/")
    assert response.status_code == 302 and "secondo-fattore" not in response.url


def test_who_must_use_a_second_factor(mfa_required, make_staff, settings):
    from django.contrib.auth.models import AnonymousUser

    assert mfa.must_use_second_factor(make_staff("professional"))
    assert not mfa.must_use_second_factor(make_staff("switchboard"))
    assert not mfa.must_use_second_factor(AnonymousUser())
    superuser = User.objects.create_superuser("root", password="a-long-test-password")
    assert mfa.must_use_second_factor(superuser)
    retired = make_staff("coordinator")
    retired.is_active = False
    assert not mfa.must_use_second_factor(retired)
    settings.SPORTELLO_REQUIRE_MFA = False
    assert not mfa.must_use_second_factor(make_staff("professional"))


def test_signing_in_and_out_stay_open(mfa_required, sign_in, client):
    sign_in("professional")
    assert client.get("/personale/accesso/").url == "/personale/"
    response = client.post("/personale/uscita/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_polled_fragment_redirects_the_whole_page(mfa_required, sign_in, client):
    sign_in("professional")
    response = client.get("/personale/coda/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith(ENROL)


def test_a_refused_post_is_not_replayed_after_verifying(mfa_required, sign_in, client):
    user = sign_in("professional")
    give_authenticator(user)
    assert client.post("/personale/coda/prendi/").url == VERIFY


# Enrolment


def test_the_enrolment_page_shows_a_qr_code_and_the_key_to_type(sign_in, client):
    user = sign_in("professional")
    response = client.get(ENROL)
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed and device.name == "Sportello"
    assert '<svg width="' in html and 'role="img" aria-label="Codice QR' in html
    secret = mfa.Enrolment(device).secret
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret) and secret in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=user).count() == 1, "a reload keeps the scanned key"


def test_a_correct_code_activates_and_shows_ten_recovery_codes_once(mfa_required, sign_in, client):
    user = sign_in("professional")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(ENROL, {"code": code_now(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = shown_codes(response.content.decode())
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10 and {code.replace(" ", "") for code in codes} == stored
    assert StaticDevice.objects.get(user=user).name == "Codici di recupero"
    assert "non li vedrai più" in response.content.decode()
    assert lets_through(client), "the session is verified"
    assert shown_codes(client.get(CODES).content.decode()) == []


def test_a_wrong_code_activates_nothing(mfa_required, sign_in, client):
    user = sign_in("professional")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 400
    assert "Il codice non è corretto" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=user).exists()
    assert client.get("/personale/").url.startswith(ENROL)


def test_a_code_with_letters_is_refused_before_any_check(sign_in, client):
    user = sign_in("professional")
    client.get(ENROL)
    response = client.post(ENROL, {"code": "12a456"})
    assert response.status_code == 400
    assert "6 cifre, senza lettere" in response.content.decode()
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 0


def test_an_active_authenticator_cannot_be_replaced_with_the_password_alone(
    mfa_required, sign_in, client
):
    user = sign_in("professional")
    give_authenticator(user)
    assert client.get(ENROL).url == VERIFY
    assert client.post(ENROL, {"code": "123456"}).url == VERIFY
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_enrolling_again_with_an_active_authenticator_is_refused(mfa_required, sign_in, client):
    user = sign_in("professional")
    device = verified_client(client, user)
    for response in (
        client.get(ENROL, follow=True),
        client.post(ENROL, {"code": code_now(device)}, follow=True),
    ):
        assert response.redirect_chain == [(CODES, 302)]
        assert "Il secondo fattore è già attivo per il tuo account." in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert not StaticDevice.objects.filter(user=user).exists()


def test_confirming_an_enrolment_beside_an_active_authenticator_is_refused(make_staff):
    user = make_staff("professional")
    give_authenticator(user)
    pending = mfa.start_enrolment(user).device
    with pytest.raises(ValidationError) as refused:
        mfa.confirm_enrolment(user, code_now(pending))
    assert refused.value.messages == ["Il secondo fattore è già attivo per il tuo account."]
    pending.refresh_from_db()
    assert not pending.confirmed
    assert not StaticDevice.objects.filter(user=user).exists()


def test_an_enrolment_code_sent_without_the_page_is_refused(mfa_required, sign_in, client):
    user = sign_in("professional")
    response = client.post(ENROL, {"code": "123456"})
    assert response.status_code == 400
    assert "attivazione è scaduta: ricarica la pagina e riprova." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert client.get("/personale/").url.startswith(ENROL)


# Verification


def test_a_code_from_the_app_verifies_the_session_and_goes_on(mfa_required, sign_in, client):
    user = sign_in("professional")
    device = give_authenticator(user)
    response = client.post(VERIFY, {"code": code_now(device), "next": "/personale/coda/"})
    assert response.status_code == 302 and response.url == "/personale/coda/"
    assert lets_through(client)


def test_a_recovery_code_verifies_once(mfa_required, sign_in, client):
    user = sign_in("coordinator")
    give_authenticator(user)
    give_recovery_codes(user, "abcdefgh", "ijklmnop", "hel2o7aa")
    response = client.post(VERIFY, {"code": "ABCD EFGH"}, follow=True)
    assert "ne restano 2" in response.content.decode()
    assert set(StaticToken.objects.values_list("token", flat=True)) == {"ijklmnop", "hel2o7aa"}
    assert lets_through(client)

    client.logout()
    client.force_login(user)
    response = client.post(VERIFY, {"code": "abcdefgh"})
    assert response.status_code == 400
    assert "già stato usato" in response.content.decode()
    assert client.get("/personale/").url.startswith(VERIFY)


def test_a_recovery_code_read_off_paper_with_ones_and_zeros_is_understood(
    mfa_required, sign_in, client
):
    user = sign_in("professional")
    give_authenticator(user)
    give_recovery_codes(user, "hel2o7aa")
    assert client.post(VERIFY, {"code": "HE12-07AA"}).status_code == 302
    assert not StaticToken.objects.exists()


def test_a_recovery_code_with_other_characters_is_refused_before_any_check(
    mfa_required, sign_in, client
):
    user = sign_in("professional")
    device = give_authenticator(user)
    give_recovery_codes(user, "abcdefgh")
    response = client.post(VERIFY, {"code": "abcd*efg"})
    assert response.status_code == 400
    assert "Il codice contiene solo cifre e lettere" in response.content.decode()
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["abcdefgh"]
    assert StaticDevice.objects.filter(user=user).count() == 1
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.get("/personale/").url.startswith(VERIFY)


def test_a_wrong_code_leaves_the_session_unverified(mfa_required, sign_in, client):
    user = sign_in("professional")
    device = give_authenticator(user)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert "Il codice non è corretto" in response.content.decode()
    assert client.get("/personale/").url.startswith(VERIFY)


def test_a_device_locked_by_failures_says_to_wait(mfa_required, sign_in, client):
    user = sign_in("professional")
    device = give_authenticator(user)
    device.throttling_failure_count = 4
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    response = client.post(VERIFY, {"code": code_now(device)})
    assert response.status_code == 400 and "attendi qualche secondo" in response.content.decode()
    assert client.get("/personale/").url.startswith(VERIFY)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/personale/", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(mfa_required, sign_in, client, target):
    user = sign_in("professional")
    device = give_authenticator(user)
    response = client.post(f"{VERIFY}?next={target}", {"code": code_now(device)})
    assert response.status_code == 302 and response.url == "/personale/"


def test_attempts_are_rate_limited_per_user(mfa_required, sign_in, client):
    user = sign_in("professional")
    device = give_authenticator(user)
    give_recovery_codes(user, "abcdefgh")
    for attempt in range(5):
        assert client.post(VERIFY, {"code": f"wrong{attempt}aa"}).status_code == 400
    device.throttling_failure_count = 0
    device.save()
    response = client.post(VERIFY, {"code": code_now(device)})
    assert response.status_code == 429
    assert "troppi codici in poco tempo" in response.content.decode()
    assert client.get("/personale/").url.startswith(VERIFY)


def test_without_an_authenticator_verification_sends_to_enrol(sign_in, client):
    sign_in("professional")
    assert client.get(VERIFY + "?next=/personale/coda/").url == (
        ENROL + "?next=%2Fpersonale%2Fcoda%2F"
    )


# Recovery codes


def test_recovery_codes_can_be_counted_and_renewed(mfa_required, sign_in, client):
    user = sign_in("professional")
    verified_client(client, user)
    give_recovery_codes(user, "abcdefgh", "ijklmnop")
    assert "Ti restano 2 codici" in client.get(CODES).content.decode()
    response = client.post(CODES)
    codes = shown_codes(response.content.decode())
    assert len(codes) == 10
    tokens = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert tokens == {code.replace(" ", "") for code in codes}
    assert "abcdefgh" not in tokens
    assert StaticDevice.objects.filter(user=user).count() == 1


def test_renewing_codes_keeps_a_session_verified_by_a_recovery_code(mfa_required, sign_in, client):
    user = sign_in("professional")
    give_authenticator(user)
    give_recovery_codes(user, "abcdefgh")
    client.post(VERIFY, {"code": "abcdefgh"})
    client.post(CODES)
    assert lets_through(client)


def test_recovery_codes_need_a_verified_session(sign_in, client):
    user = sign_in("switchboard")
    give_authenticator(user)
    give_recovery_codes(user, "abcdefgh")
    assert client.post(CODES).url == VERIFY
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["abcdefgh"]


# Reset


def test_reset_removes_the_second_factor_of_one_user(mfa_required, make_staff, client):
    user = make_staff("professional", username="paola")
    other = make_staff("professional", username="marco")
    for person in (user, other):
        give_authenticator(person)
        give_recovery_codes(person, "abcdefgh")
    out = io.StringIO()
    call_command("reset_second_factor", "paola", stdout=out)
    assert "Secondo fattore di «paola» azzerato" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert TOTPDevice.objects.filter(user=other).exists()
    client.force_login(user)
    assert client.get("/personale/").url.startswith(ENROL)


def test_reset_of_an_unknown_user_changes_nothing(make_staff):
    user = make_staff("professional", username="paola")
    give_authenticator(user)
    with pytest.raises(CommandError, match="Nessun utente con nome «paolo»"):
        call_command("reset_second_factor", "paolo", stdout=io.StringIO())
    assert TOTPDevice.objects.filter(user=user).count() == 1


# Caches


def test_staff_pages_are_never_stored(sign_in, client):
    sign_in("professional")
    for url in ["/personale/", "/en/personale/", ENROL, "/personale/accesso/"]:
        response = client.get(url)
        cache_control = response.headers["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url
        assert response.headers["Pragma"] == "no-cache", url


def test_public_pages_may_be_cached(milan, client):
    response = client.get(reverse("public:service"))
    assert "no-store" not in response.headers.get("Cache-Control", "")
