"""The referral pages: proposing from a case, the referral page and its steps, the letter, the
list of open referrals, and who may see them."""

import datetime

import pytest
from django.urls import reverse

from sportello.cases import referrals
from sportello.cases.models import Referral, ReferralStatus, SharedItem
from sportello.directory.models import Organization, ServiceArea, TaxonomyTerm
from sportello.directory.models import Service as DirectoryService
from sportello.privacy.models import AccessLog
from sportello.services import queries as catalogue
from sportello.testing import rome

REASON = "Disturbi del sonno da mesi"


def _service(name: str, *, need: TaxonomyTerm, municipio: int | None, **fields) -> DirectoryService:
    organization = Organization.objects.create(name=f"Ente {name}")
    service = DirectoryService.objects.create(
        organization=organization, name=name, last_modified=rome(2026, 1, 1, 9, 0), **fields
    )
    service.taxonomy_terms.add(need)
    ServiceArea.objects.create(service=service, name="Zona", municipio=municipio)
    return service


@pytest.fixture
def directory(db):
    # Test-only codes: the needs the directory installs stay out of the way.
    mental = TaxonomyTerm.objects.create(code="test-salute-mentale", name_it="Salute mentale")
    legal = TaxonomyTerm.objects.create(code="test-legale", name_it="Orientamento legale")
    return {
        "cps5": _service("CPS Zona 5", need=mental, municipio=5, email="cps5@example.org"),
        "cps8": _service("CPS Zona 8", need=mental, municipio=8),
        "legal": _service("Sportello legale", need=legal, municipio=None),
    }


def _referral(cast, service, **fields) -> Referral:
    return referrals.propose_referral(
        cast.primary,
        cast.case.pk,
        to_service_id=service.pk,
        reason=REASON,
        summary="",
        urgency="routine",
        shared=[SharedItem.REASON],
        consent_given=True,
        **fields,
    )


def test_the_case_page_lists_its_referrals_and_offers_to_propose(cast, directory, client):
    referral = _referral(cast, directory["cps5"])
    client.force_login(cast.primary)
    page = client.get(reverse("cases:case", args=[cast.case.pk])).content.decode()
    assert "Invii ai servizi" in page and "CPS Zona 5" in page
    assert reverse("cases:referral", args=[cast.case.pk, referral.pk]) in page
    assert reverse("cases:referral-new", args=[cast.case.pk]) in page


def test_the_proposal_page_filters_services_by_need_and_municipio(cast, directory, client):
    client.force_login(cast.primary)
    url = reverse("cases:referral-new", args=[cast.case.pk])
    page = client.get(url, {"bisogno": "test-salute-mentale", "municipio": "5"}).content.decode()
    assert "CPS Zona 5" in page
    assert "CPS Zona 8" not in page and "Sportello legale" not in page
    # A service for the whole city serves every municipio.
    page = client.get(url, {"municipio": "8"}).content.decode()
    assert "CPS Zona 8" in page and "Sportello legale" in page and "CPS Zona 5" not in page
    assert "<legend" in page  # what the person agreed to share is a group with its legend


def test_proposing_from_the_page_and_consent_is_required(cast, directory, client):
    client.force_login(cast.primary)
    url = reverse("cases:referral-new", args=[cast.case.pk])
    data = {
        "to_service": str(directory["cps5"].pk),
        "reason": REASON,
        "urgency": "urgent",
        "shared": ["reason", "risk"],
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Serve il consenso" in refused.content.decode()
    assert not Referral.objects.exists()
    response = client.post(url, {**data, "consent_given": "on"})
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:referral", args=[cast.case.pk, referral.pk])
    assert referral.shared == ["reason", "risk"] and referral.urgency == "urgent"


def test_the_referral_page_sends_and_follows_the_steps(
    cast, directory, client, frozen_now, django_capture_on_commit_callbacks
):
    from django.core import mail

    referral = _referral(cast, directory["cps5"])
    client.force_login(cast.primary)
    url = reverse("cases:referral", args=[cast.case.pk, referral.pk])
    page = client.get(url).content.decode()
    assert "cps5@example.org" in page and "Invia la lettera" in page
    assert AccessLog.objects.filter(object_type="referral", object_id=str(referral.pk)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cases:referral-send", args=[cast.case.pk, referral.pk]), {"how": "email"}
        )
    assert response.status_code == 302 and len(mail.outbox) == 1
    page = client.get(url).content.decode()
    assert "Registra la risposta" in page and "Invia la lettera" not in page
    refused = client.post(
        reverse("cases:referral-answer", args=[cast.case.pk, referral.pk]), {"accepted": "0"}
    )
    assert refused.status_code == 400 and "motivo del rifiuto" in refused.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT
    client.post(
        reverse("cases:referral-answer", args=[cast.case.pk, referral.pk]), {"accepted": "1"}
    )
    frozen_now(rome(2026, 12, 3, 12, 0))
    client.post(
        reverse("cases:referral-first-appointment", args=[cast.case.pk, referral.pk]),
        {"held_at": "2026-12-03T09:00"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FIRST_APPOINTMENT
    page = client.get(url).content.decode()
    assert "Primo appuntamento svolto" in page and "03/12/2026 09:00" in page


def test_the_letter_downloads_as_pdf(cast, directory, client):
    referral = _referral(cast, directory["cps5"])
    client.force_login(cast.primary)
    response = client.get(reverse("cases:referral-letter", args=[cast.case.pk, referral.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("primary", 200),
        ("team", 200),
        ("coordinator", 200),
        ("outsider", 404),
        ("coordinator_elsewhere", 404),
        ("switchboard", 404),
        ("dpo", 404),
    ],
)
def test_who_sees_a_referral(cast, directory, client, role, status):
    referral = _referral(cast, directory["cps5"])
    client.force_login(cast.by_role()[role])
    for name in ("cases:referral", "cases:referral-letter"):
        assert client.get(reverse(name, args=[cast.case.pk, referral.pk])).status_code == status
    sent = client.post(
        reverse("cases:referral-send", args=[cast.case.pk, referral.pk]), {"how": "handed"}
    )
    assert sent.status_code == (302 if status == 200 else 404)


def test_a_referral_of_another_case_is_not_found_under_this_one(cast, directory, make_case, client):
    other = make_case(cast.primary)
    referral = _referral(cast, directory["cps5"])
    client.force_login(cast.primary)
    url = reverse("cases:referral", args=[other.pk, referral.pk])
    assert client.get(url).status_code == 404


def test_the_open_list_puts_overdue_referrals_first(cast, directory, client, frozen_now, make_case):
    early = _referral(cast, directory["cps5"])
    referrals.send_referral(cast.primary, early.pk, how="handed")
    frozen_now(catalogue.now() + datetime.timedelta(days=2))
    late = _referral(cast, directory["cps8"])
    referrals.send_referral(cast.primary, late.pk, how="handed")
    proposed = _referral(cast, directory["legal"])
    closed = _referral(cast, directory["legal"])
    referrals.close_referral(cast.primary, closed.pk, note="La persona ha rinunciato")
    early.refresh_from_db()
    frozen_now(early.follow_up_due_at + datetime.timedelta(hours=1))  # only the first is late
    # A referral of a case the coordinator does not coordinate stays out of their list.
    elsewhere = make_case(cast.team_member, service="victims")
    referrals.propose_referral(
        cast.team_member,
        elsewhere.pk,
        to_service_id=directory["cps5"].pk,
        reason=REASON,
        summary="",
        urgency="routine",
        shared=[],
        consent_given=True,
    )

    client.force_login(cast.coordinator)
    response = client.get(reverse("cases:referrals-open"))
    rows = [row.referral.pk for row in response.context["rows"]]
    assert rows == [early.pk, late.pk, proposed.pk]
    page = response.content.decode()
    assert "da sollecitare" in page and elsewhere.reference not in page

    client.force_login(cast.outsider)
    assert list(client.get(reverse("cases:referrals-open")).context["rows"]) == []
    client.force_login(cast.switchboard)
    assert client.get(reverse("cases:referrals-open")).status_code == 404
