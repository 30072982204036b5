"""The permission matrix: every view of the case record, for every role, GET and POST.

Exactly the allowed roles succeed; everyone else gets a 404 (the case might as well not exist)
and leaves no trace; anonymous visitors are sent to sign in. Every successful read of a case
writes exactly one access-log row for that user and case; every response is never cached.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, reverse

from sportello.accounts.models import User
from sportello.cases import operations
from sportello.cases.models import Case
from sportello.cases.urls import urlpatterns
from sportello.intake.models import Contact
from sportello.privacy.models import AccessLog, AuditEvent

from .conftest import TUESDAY_10, Cast

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


@dataclass(frozen=True)
class Scene:
    """What a view's calls are built from: the cast, a fresh case, the acting user."""

    name: str
    cast: Cast
    case: Case
    held_contact: Callable[[User], Contact]
    user: User | None

    def url(self, *args: object) -> str:
        return reverse(f"cases:{self.name}", args=args or [self.case.pk])


Builder = Callable[[Scene], list[Call]]
MATRIX: dict[str, Builder] = {}  # every view of the app, with the requests that exercise it


def covers(*names: str) -> Callable[[Builder], Builder]:
    """Register the requests that exercise the named views."""

    def register(build: Builder) -> Builder:
        for name in names:
            MATRIX[name] = build
        return build

    return register


@covers("home")
def _home(scene: Scene) -> list[Call]:
    return [Call("get", reverse("cases:home"), CASE_STAFF)]


@covers("coordination")
def _coordination(scene: Scene) -> list[Call]:
    return [Call("get", reverse("cases:coordination"), COORDINATORS)]


@covers("search")
def _search(scene: Scene) -> list[Call]:
    return [Call("get", reverse("cases:search") + f"?q={scene.case.reference}", CASE_STAFF)]


@covers("open")
def _open(scene: Scene) -> list[Call]:
    target = reverse("cases:open") + f"?contatto={scene.held_contact(scene.cast.primary).pk}"
    return [
        Call("get", target, {"primary", "coordinator"}),
        Call("post", target, {"primary", "coordinator"}, {"anonymous": "on"}),
    ]


@covers("case")
def _case(scene: Scene) -> list[Call]:
    return [Call("get", scene.url(), READERS, reads_case=True)]


@covers("session")
def _session(scene: Scene) -> list[Call]:
    session = operations.record_session(
        scene.cast.primary,
        scene.case.pk,
        held_at=TUESDAY_10 - datetime.timedelta(hours=1),
        mode="video",
        duration_minutes=30,
        notes="Note riservate",
    )
    return [Call("get", scene.url(scene.case.pk, session.pk), READERS, reads_case=True)]


FORMS: dict[str, tuple[set[str], Callable[[Cast], dict[str, object]]]] = {
    "person": (WRITERS, lambda cast: {"anonymous": "on", "municipio": "3"}),
    "goals": (WRITERS, lambda cast: {"goals": "Tornare al lavoro"}),
    "section": (WRITERS, lambda cast: {"target_group": "painful_events"}),
    "session-new": (
        WRITERS,
        lambda cast: {"held_at": "2026-12-01T09:00", "mode": "phone", "duration_minutes": "40"},
    ),
    "consent": (
        WRITERS,
        lambda cast: {"given_how": "verbal_phone", "given_at": "2026-12-01T09:00"},
    ),
    "close": (MANAGERS, lambda cast: {"outcome": "referred"}),
    "transfer": (
        MANAGERS,
        lambda cast: {"to_service": "victims", "reason": "Ha subito un furto in casa"},
    ),
    "team": (ASSIGNERS, lambda cast: {"members": [cast.outsider.pk]}),
}


@covers(*FORMS)
def _form(scene: Scene) -> list[Call]:
    allowed, data = FORMS[scene.name]
    return [
        Call("get", scene.url(), allowed, reads_case=True),
        Call("post", scene.url(), allowed, data(scene.cast)),
    ]


@covers("consent-withdraw")
def _consent_withdraw(scene: Scene) -> list[Call]:
    consent = operations.record_consent(
        scene.cast.primary, scene.case.pk, given_how="written", given_at=TUESDAY_10
    )
    return [Call("post", scene.url(scene.case.pk, consent.pk), WRITERS)]


@covers("suspend")
def _suspend(scene: Scene) -> list[Call]:
    return [Call("post", scene.url(), MANAGERS)]


@covers("reopen")
def _reopen(scene: Scene) -> list[Call]:
    operations.suspend(scene.cast.primary, scene.case.pk)
    return [Call("post", scene.url(), MANAGERS)]


@covers("assign")
def _assign(scene: Scene) -> list[Call]:
    return [Call("post", scene.url(), ASSIGNERS, {"professional": scene.cast.outsider.pk})]


@covers("link-contact")
def _link_contact(scene: Scene) -> list[Call]:
    # A later contact the acting professional held themselves (the others cannot hold one).
    cast = scene.cast
    writer = scene.user if scene.user in (cast.primary, cast.team_member) else cast.primary
    later = scene.held_contact(writer)
    return [Call("post", scene.url(), WRITERS, {"contact": later.reference})]


@covers("break-glass")
def _break_glass(scene: Scene) -> list[Call]:
    return [
        Call("get", scene.url(), CASE_STAFF),
        Call("post", scene.url(), CASE_STAFF, {"reason": "Persona in pericolo, referente assente"}),
    ]


def calls_for(name: str, cast: Cast, make_case, held_contact, user: User | None) -> list[Call]:
    """The requests that exercise one view, against a fresh case (state-changing POSTs)."""
    case = make_case(cast.primary, team=(cast.team_member,))
    return MATRIX[name](Scene(name, cast, case, held_contact, user))


VIEW_NAMES = [pattern.name for pattern in urlpatterns if isinstance(pattern, URLPattern)]


def test_the_matrix_covers_every_view_of_the_app():
    assert len(VIEW_NAMES) == len(set(VIEW_NAMES)) >= 20
    assert all(VIEW_NAMES)
    assert set(VIEW_NAMES) == set(MATRIX), "views without an entry, or entries without a view"


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
