"""The permission matrix: every view of the territorial directory (search, maintenance, HSDS data
package) and of the referrals of a case, for every role around one case.

Exactly the allowed roles get past the policy (a page, a file, a redirect after the operation,
or a 400 for what the form or the operation itself refuses). Everyone else signed in is refused
the way the view promises: a 403 for the directory's search and maintenance pages, a 404 for the
HSDS page (others do not learn it exists) and for anything of a case they may not read; and
nothing is written, not even the access log. Visitors who are not signed in are sent to sign
in. Whatever an allowed request changes comes with its audit row; every allowed read of a
referral writes its access-log row; no response is cacheable. The open referrals' list lets
every case worker in, but lists only the referrals of cases they answer for. A route added to
one of the url modules below without an entry here fails the first test."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, reverse

from sportello.accounts.models import User
from sportello.cases import referral_urls, referrals
from sportello.cases.models import Case, Referral, SentHow, SharedItem
from sportello.directory import hsds_urls, maintenance_urls
from sportello.directory import urls as search_urls
from sportello.directory.models import Organization, Service
from sportello.privacy.models import AccessLog, AuditEvent
from sportello.testing import rome

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "switchboard",
    "following",
    "not_following",
    "coordinator",
    "coordinator_elsewhere",
    "dpo",
    "management",
]
SIGNED_IN = set(ROLES) - {"anonymous"}
CASE_WORKERS = {"following", "not_following", "coordinator", "coordinator_elsewhere"}
COORDINATORS = {"coordinator", "coordinator_elsewhere"}
CASE_READERS = {"following", "coordinator"}
NOW = rome(2026, 12, 1, 10, 0)
HTMX = {"HTTP_HX_REQUEST": "true"}
MODULES = {
    "directory": search_urls.urlpatterns,
    "directory_admin": maintenance_urls.urlpatterns,
    "directory_hsds": hsds_urls.urlpatterns,
    "cases": referral_urls.urlpatterns,
}


def route_names() -> list[str]:
    names = []
    for namespace, patterns in MODULES.items():
        for pattern in patterns:
            assert isinstance(pattern, URLPattern), f"{namespace}: {pattern} includes more routes"
            assert not isinstance(pattern, URLResolver)
            names.append(f"{namespace}:{pattern.name}")
    return names


VIEW_NAMES = route_names()


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    allowed: set[str]
    data: dict[str, object] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # Signed-in roles refused with a 403; the other refused roles get a 404.
    forbidden: set[str] = field(default_factory=set)
    # An allowed response must write one access-log row (a read of a case's data).
    logs_read: bool = False
    # Allowed roles whose response must not mention the case (a list filtered per user).
    unconcerned: set[str] = field(default_factory=set)


@dataclass
class Desk:
    users: dict[str, User | None]
    case: Case

    @property
    def primary(self) -> User:
        return self.users["following"]  # type: ignore[return-value]


Builder = Callable[[Desk], list[Call]]
MATRIX: dict[str, Builder] = {}


def covers(*names: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        for name in names:
            MATRIX[name] = build
        return build

    return register


def directory_service(name: str = "CPS Zona 5") -> Service:
    """A fresh active service of the directory, with its own organization and e-mail."""
    organization = Organization.objects.create(name=f"Ente {name}")
    return Service.objects.create(
        organization=organization,
        name=name,
        email="cps5@example.org",
        last_modified=rome(2026, 1, 1, 9, 0),
    )


def referral(desk: Desk, *, sent: bool = False, answered: bool = False) -> Referral:
    """A fresh referral of the case, proposed by its primary professional (then sent by hand,
    then accepted, as asked)."""
    made = referrals.propose_referral(
        desk.primary,
        desk.case.pk,
        to_service_id=directory_service().pk,
        reason="Disturbi del sonno da mesi",
        summary="",
        urgency="routine",
        shared=[SharedItem.REASON],
        consent_given=True,
    )
    if sent or answered:
        referrals.send_referral(desk.primary, made.pk, how=SentHow.HANDED)
    if answered:
        referrals.record_answer(desk.primary, made.pk, accepted=True)
    return made


def of_referral(name: str, made: Referral) -> str:
    return reverse(f"cases:{name}", args=[made.case_id, made.pk])


# The directory ------------------------------------------------------------------------------


@covers("directory:search")
def _search(desk: Desk) -> list[Call]:
    url = reverse("directory:search")
    forbidden = SIGNED_IN - CASE_WORKERS
    return [
        Call("get", url, CASE_WORKERS, forbidden=forbidden),
        Call("get", url + "?q=CPS&open_now=on", CASE_WORKERS, headers=HTMX, forbidden=forbidden),
    ]


@covers("directory:service")
def _service(desk: Desk) -> list[Call]:
    url = reverse("directory:service", args=[directory_service().pk])
    return [Call("get", url, CASE_WORKERS, forbidden=SIGNED_IN - CASE_WORKERS)]


# Maintenance: every coordinator, whichever service they coordinate (the directory is one).
MAINTAINERS = {"allowed": COORDINATORS, "forbidden": SIGNED_IN - COORDINATORS}


@covers("directory_admin:list")
def _list(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:list")
    return [Call("get", url, **MAINTAINERS), Call("get", url + "?da_verificare=1", **MAINTAINERS)]


@covers("directory_admin:service-create")
def _service_create(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:service-create")
    # Without a name the form is refused (400) and nothing is written.
    return [Call("get", url, **MAINTAINERS), Call("post", url, data={}, **MAINTAINERS)]


@covers("directory_admin:service")
def _service_edit(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:service", args=[directory_service().pk])
    return [Call("get", url, **MAINTAINERS), Call("post", url, data={}, **MAINTAINERS)]


@covers("directory_admin:service-verify")
def _service_verify(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:service-verify", args=[directory_service().pk])
    return [Call("post", url, **MAINTAINERS)]


@covers("directory_admin:service-deactivate")
def _service_deactivate(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:service-deactivate", args=[directory_service().pk])
    return [Call("post", url, **MAINTAINERS)]


@covers("directory_admin:organization-create")
def _organization_create(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:organization-create")
    return [Call("get", url, **MAINTAINERS), Call("post", url, data={}, **MAINTAINERS)]


@covers("directory_admin:organization")
def _organization_edit(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:organization", args=[directory_service().organization_id])
    return [Call("get", url, **MAINTAINERS), Call("post", url, data={}, **MAINTAINERS)]


@covers("directory_admin:organization-verify")
def _organization_verify(desk: Desk) -> list[Call]:
    url = reverse("directory_admin:organization-verify", args=[directory_service().organization_id])
    return [Call("post", url, **MAINTAINERS)]


# The HSDS data package: a 404 for anyone but a coordinator.


@covers("directory_hsds:package")
def _package(desk: Desk) -> list[Call]:
    url = reverse("directory_hsds:package")
    # Without an archive the form is refused (400) and nothing is imported.
    return [Call("get", url, COORDINATORS), Call("post", url, COORDINATORS, {"dry_run": "on"})]


@covers("directory_hsds:download")
def _download(desk: Desk) -> list[Call]:
    return [Call("get", reverse("directory_hsds:download"), COORDINATORS)]


# Referrals: whoever may write the case's record or coordinates its service; a 404 otherwise.


@covers("cases:referral-new")
def _propose(desk: Desk) -> list[Call]:
    url = reverse("cases:referral-new", args=[desk.case.pk])
    data = {
        "to_service": str(directory_service("Sportello legale").pk),
        "reason": "Una consulenza legale",
        "urgency": "routine",
        "shared": [SharedItem.REASON],
        "consent_given": "on",
    }
    return [
        Call("get", url, CASE_READERS, logs_read=True),
        Call("post", url, CASE_READERS, data),
        # Refused by the form (no consent): the page again, logged as the read it is.
        Call("post", url, CASE_READERS, {**data, "consent_given": ""}, logs_read=True),
    ]


@covers("cases:referral")
def _referral_page(desk: Desk) -> list[Call]:
    return [Call("get", of_referral("referral", referral(desk)), CASE_READERS, logs_read=True)]


@covers("cases:referral-letter")
def _letter(desk: Desk) -> list[Call]:
    url = of_referral("referral-letter", referral(desk))
    return [Call("get", url, CASE_READERS, logs_read=True)]


@covers("cases:referral-send")
def _send(desk: Desk) -> list[Call]:
    url = of_referral("referral-send", referral(desk))
    return [Call("post", url, CASE_READERS, {"how": SentHow.HANDED})]


@covers("cases:referral-answer")
def _answer(desk: Desk) -> list[Call]:
    url = of_referral("referral-answer", referral(desk, sent=True))
    return [
        Call("post", url, CASE_READERS, {"accepted": "0", "refusal_reason": "Lista piena"}),
        # A refusal without its reason: refused by the operation, the page again (logged).
        Call("post", url, CASE_READERS, {"accepted": "0"}, logs_read=True),
    ]


@covers("cases:referral-first-appointment")
def _first_appointment(desk: Desk) -> list[Call]:
    url = of_referral("referral-first-appointment", referral(desk, answered=True))
    return [Call("post", url, CASE_READERS, {"held_at": "2026-12-01T10:00"})]


@covers("cases:referral-close")
def _close(desk: Desk) -> list[Call]:
    url = of_referral("referral-close", referral(desk))
    return [Call("post", url, CASE_READERS, {"note": "La persona ha cambiato idea"})]


@covers("cases:referrals-open")
def _open_list(desk: Desk) -> list[Call]:
    referral(desk)
    unconcerned = {"not_following", "coordinator_elsewhere"}
    url = reverse("cases:referrals-open")
    return [Call("get", url, CASE_WORKERS, unconcerned=unconcerned)]


def test_the_matrix_covers_every_view_of_the_directory_and_the_referrals():
    assert all(name.split(":")[1] != "None" for name in VIEW_NAMES), "every route has a name"
    assert len(VIEW_NAMES) == len(set(VIEW_NAMES)) >= 20
    assert set(VIEW_NAMES) == set(MATRIX), "views without an entry, or entries without a view"


def written() -> tuple[object, ...]:
    """Everything a request of these pages could write, to compare before and after."""
    return (
        AuditEvent.objects.count(),
        AccessLog.objects.count(),
        sorted(Referral.objects.values_list("pk", "status")),
        sorted(
            (str(pk), status, str(verified))
            for pk, status, verified in Service.objects.values_list("pk", "status", "verified_at")
        ),
        sorted(
            (str(pk), str(verified))
            for pk, verified in Organization.objects.values_list("pk", "verified_at")
        ),
    )


@pytest.fixture
def desk(milan, make_professional, make_coordinator, make_staff, make_case, frozen_now) -> Desk:
    frozen_now(NOW)
    following = make_professional("segue")
    users: dict[str, User | None] = {
        "anonymous": None,
        "switchboard": make_staff("switchboard", "centralino"),
        "following": following,
        "not_following": make_professional("nonsegue"),
        "coordinator": make_coordinator("coordina", services=("emergency",)),
        "coordinator_elsewhere": make_coordinator("altrove", services=("victims",)),
        "dpo": make_staff("dpo", "dpo"),
        "management": make_staff("management", "direzione"),
    }
    return Desk(users=users, case=make_case(following))


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_every_view_admits_exactly_the_roles_allowed(name, desk, client):
    login = reverse("staff-login")
    for role in ROLES:
        user = desk.users[role]
        for call in MATRIX[name](desk):
            client.logout()
            if user is not None:
                client.force_login(user)
            before = written()
            response = getattr(client, call.method)(call.url, call.data, **call.headers)
            where = (name, call.method, call.url, role, response.status_code)
            assert "no-store" in response.get("Cache-Control", ""), where
            if role not in call.allowed:
                if role == "anonymous":
                    assert response.status_code == 302, where
                    assert response.url.startswith(login), where
                else:
                    expected = 403 if role in call.forbidden else 404
                    assert response.status_code == expected, where
                assert written() == before, where
                continue
            assert response.status_code in (200, 302, 400), where
            if response.status_code == 302:
                assert not response.url.startswith(login), where
            after = written()
            if after[2:] != before[2:]:
                assert after[0] > before[0], (*where, "a change without its audit row")
            if call.logs_read:
                assert after[1] == before[1] + 1, (*where, "a read without its access-log row")
            if role in call.unconcerned:
                assert response.status_code == 200, where
                assert desk.case.reference not in response.content.decode(), where
            elif call.unconcerned:
                assert desk.case.reference in response.content.decode(), where
