"""The permission matrix: every view of the case record, for every role, GET and POST.

Exactly the allowed roles succeed; everyone else gets a 404 (the case might as well not exist)
and leaves no trace; anonymous visitors are sent to sign in. Every successful read of a case
writes exactly one access-log row for that user and case; every response is never cached.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, reverse

from sportello.cases import operations
from sportello.cases.urls import urlpatterns
from sportello.privacy.models import AccessLog, AuditEvent

from .conftest import TUESDAY_10

ROLES = [
    "switchboard",
    "primary",
    "team",
    "outsider",
    "coordinator",
    "coordinator_elsewhere",
    "dpo",
    "management",
    "anonymous",
]
READERS = {"primary", "team", "coordinator"}
WRITERS = {"primary", "team"}
MANAGERS = {"primary", "coordinator"}
ASSIGNERS = {"coordinator"}
CASE_STAFF = {"primary", "team", "outsider", "coordinator", "coordinator_elsewhere"}
COORDINATORS = {"coordinator", "coordinator_elsewhere"}


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    allowed: set[str]
    data: dict[str, object] = field(default_factory=dict)
    reads_case: bool = False  # a successful call shows the case: one access-log row


def calls_for(name: str, cast, make_case, held_contact, user) -> list[Call]:
    """The requests that exercise one view, against a fresh case (state-changing POSTs)."""
    case = make_case(cast.primary, team=(cast.team_member,))
    pk = case.pk

    def url(*args: object) -> str:
        return reverse(f"cases:{name}", args=args or [pk])

    if name == "home":
        return [Call("get", reverse("cases:home"), CASE_STAFF)]
    if name == "coordination":
        return [Call("get", reverse("cases:coordination"), COORDINATORS)]
    if name == "search":
        return [Call("get", reverse("cases:search") + f"?q={case.reference}", CASE_STAFF)]
    if name == "open":
        target = reverse("cases:open") + f"?contatto={held_contact(cast.primary).pk}"
        return [
            Call("get", target, {"primary", "coordinator"}),
            Call("post", target, {"primary", "coordinator"}, {"anonymous": "on"}),
        ]
    if name == "case":
        return [Call("get", url(), READERS, reads_case=True)]
    if name == "session":
        session = operations.record_session(
            cast.primary,
            pk,
            held_at=TUESDAY_10 - datetime.timedelta(hours=1),
            mode="video",
            duration_minutes=30,
            notes="Note riservate",
        )
        return [Call("get", url(pk, session.pk), READERS, reads_case=True)]
    forms: dict[str, tuple[set[str], dict[str, object]]] = {
        "person": (WRITERS, {"anonymous": "on", "municipio": "3"}),
        "goals": (WRITERS, {"goals": "Tornare al lavoro"}),
        "section": (WRITERS, {"target_group": "painful_events"}),
        "session-new": (
            WRITERS,
            {"held_at": "2026-12-01T09:00", "mode": "phone", "duration_minutes": "40"},
        ),
        "consent": (WRITERS, {"given_how": "verbal_phone", "given_at": "2026-12-01T09:00"}),
        "close": (MANAGERS, {"outcome": "referred"}),
        "transfer": (MANAGERS, {"to_service": "victims", "reason": "Ha subito un furto in casa"}),
        "team": (ASSIGNERS, {"members": [cast.outsider.pk]}),
    }
    if name in forms:
        allowed, data = forms[name]
        return [
            Call("get", url(), allowed, reads_case=True),
            Call("post", url(), allowed, data),
        ]
    if name == "consent-withdraw":
        consent = operations.record_consent(
            cast.primary, pk, given_how="written", given_at=TUESDAY_10
        )
        return [Call("post", url(pk, consent.pk), WRITERS)]
    if name == "suspend":
        return [Call("post", url(), MANAGERS)]
    if name == "reopen":
        operations.suspend(cast.primary, pk)
        return [Call("post", url(), MANAGERS)]
    if name == "assign":
        return [Call("post", url(), ASSIGNERS, {"professional": cast.outsider.pk})]
    if name == "link-contact":
        # A later contact the acting professional held themselves (the others cannot hold one).
        writer = user if user in (cast.primary, cast.team_member) else cast.primary
        later = held_contact(writer)
        return [Call("post", url(), WRITERS, {"contact": later.reference})]
    if name == "break-glass":
        return [
            Call("get", url(), CASE_STAFF),
            Call("post", url(), CASE_STAFF, {"reason": "Persona in pericolo, referente assente"}),
        ]
    raise AssertionError(f"the view {name!r} is missing from the permission matrix")


VIEW_NAMES = [pattern.name for pattern in urlpatterns if isinstance(pattern, URLPattern)]


def test_the_matrix_covers_every_view_of_the_app():
    assert len(VIEW_NAMES) == len(set(VIEW_NAMES)) >= 20
    assert all(VIEW_NAMES)


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_every_view_admits_exactly_the_roles_allowed(name, cast, make_case, held_contact, client):
    users = cast.by_role()
    for role in ROLES:
        user = users.get(role)
        for call in calls_for(name, cast, make_case, held_contact, user):
            client.logout()
            if user is not None:
                client.force_login(user)
            case_id = _case_id(call.url)
            reads_before = AccessLog.objects.filter(user=user).count() if user else 0
            audits_before = AuditEvent.objects.count()
            response = getattr(client, call.method)(call.url, call.data)
            where = (name, call.method, role, response.status_code)
            if role == "anonymous":
                assert response.status_code == 302, where
                assert response.url.startswith("/personale/accesso/"), where
                continue
            if role not in call.allowed:
                assert response.status_code == 404, where
                assert AccessLog.objects.filter(user=user).count() == reads_before, where
                assert AuditEvent.objects.count() == audits_before, where
                continue
            assert response.status_code in (200, 302), where
            if response.status_code == 302:
                assert not response.url.startswith("/personale/accesso/"), where
            assert "no-store" in response["Cache-Control"], where
            if call.reads_case:
                rows = AccessLog.objects.filter(user=user).order_by("seq")[reads_before:]
                assert [(row.case_id, row.action) for row in rows] == [(case_id, "read")], where
            if call.method == "post" and name not in ("break-glass",):
                assert AuditEvent.objects.count() > audits_before, where


def _case_id(url: str) -> int | None:
    parts = [part for part in url.split("?")[0].split("/") if part.isdigit()]
    return int(parts[0]) if parts else None


def test_a_closed_case_keeps_its_readers_and_loses_its_writers(cast, client):
    operations.close_case(cast.primary, cast.case.pk, "withdrew")
    client.force_login(cast.primary)
    assert client.get(reverse("cases:case", args=[cast.case.pk])).status_code == 200
    response = client.post(
        reverse("cases:goals", args=[cast.case.pk]), {"goals": "Riprendere il lavoro"}
    )
    assert response.status_code == 400 and "è chiusa" in response.content.decode()
