"""A contact linked to the cases of two persons (one call about two people): erasing or retaining
one person's record keeps it while the other's needs it, and one person's access export and log
search leave out the other's case rows."""

import datetime

import pytest

from sportello.cases.models import Case, Person, new_pseudonym
from sportello.intake.models import Contact
from sportello.privacy import erasure, queries, retention
from sportello.privacy.models import AccessLog, ErasureRecord, LegalHold
from sportello.privacy.operations import record_access, record_audit
from sportello.privacy.person_records import records_about
from sportello.privacy.tests.test_erasure import NOW, make_person_record
from sportello.services.models import Service
from sportello.triage.models import Screening

DAY = datetime.timedelta(days=1)


@pytest.fixture
def staff(milan, make_staff, frozen_now):
    frozen_now(NOW)
    return make_staff("professional")


@pytest.fixture
def dpo(milan, make_staff):
    return make_staff("dpo")


def _second_person_on(contact: Contact, staff, *, closed_at=None) -> tuple[Person, Case]:
    """Another person, whose case was opened from the same contact."""
    person = Person.objects.create(
        pseudonym=new_pseudonym(), full_name="BETAQX Verdi", created_at=NOW
    )
    case = Case.objects.create(
        reference=f"PC-B-{contact.pk}",
        person=person,
        service=Service.objects.get(code="emergency"),
        opened_from=contact,
        goals="BETAQX obiettivi",
        status="closed" if closed_at else "open",
        outcome="goals_reached" if closed_at else "",
        closed_at=closed_at,
        opened_at=closed_at or NOW,
        opened_by=staff,
    )
    case.contacts.add(contact)
    return person, case


def _has_data(contact: Contact) -> bool:
    contact = Contact.objects.get(pk=contact.pk)
    return contact.caller_name != "" and Screening.objects.get(contact=contact).notes != ""


@pytest.mark.parametrize("held", [False, True])
def test_erasing_one_person_keeps_a_contact_of_another_persons_case(staff, dpo, held):
    alfa = make_person_record(staff, tag="ALFAQX", closed_at=NOW - 10 * DAY)
    shared, own = alfa.contacts
    beta, _case = _second_person_on(shared, staff)
    if held:
        LegalHold.objects.create(
            person=beta, reason="Ordine del giudice", placed_at=NOW, placed_by=dpo
        )
    counts = erasure.erase_person(alfa.person, reason="Richiesta", by=dpo)
    assert _has_data(shared)
    assert not _has_data(own)
    assert ErasureRecord.objects.get(record_kind="contact", action="kept").count == 1
    assert ErasureRecord.objects.get(record_kind="contact", action="erased").count == 1
    assert counts["contact"] == 2


def test_erasing_both_persons_at_once_erases_the_shared_contact(staff):
    alfa = make_person_record(staff, tag="ALFAQX", closed_at=NOW - 10 * DAY)
    beta, _case = _second_person_on(alfa.contacts[0], staff)
    erasure.pseudonymise_persons([alfa.person.pk, beta.pk])
    assert not _has_data(alfa.contacts[0])


def _old_alfa(staff):
    return make_person_record(staff, tag="ALFAQX", at=NOW - 3000 * DAY, closed_at=NOW - 2000 * DAY)


@pytest.mark.parametrize("beta_is", ["held", "open"])
def test_retention_keeps_a_contact_another_persons_record_needs_and_is_not_due_again(
    staff, dpo, beta_is
):
    retention.ensure_default_rules()
    alfa = _old_alfa(staff)
    shared, own = alfa.contacts
    if beta_is == "held":
        beta, _case = _second_person_on(shared, staff, closed_at=NOW - 2000 * DAY)
        LegalHold.objects.create(
            person=beta, reason="Ordine del giudice", placed_at=NOW, placed_by=dpo
        )
    else:
        beta, _case = _second_person_on(shared, staff)
    run = retention.apply(NOW)
    assert run.report["case"]["done"] == 1
    assert _has_data(shared) and not _has_data(own)
    assert Person.objects.get(pk=alfa.person.pk).full_name == ""
    assert Person.objects.get(pk=beta.pk).full_name == "BETAQX Verdi"
    assert ErasureRecord.objects.get(record_kind="contact", action="kept").count == 1
    # The other person's new notes on the shared contact do not make the first one due again.
    Screening.objects.filter(contact=shared).update(notes="BETAQX nuove note")
    assert retention.plan(NOW)["case"]["due"] == 0


def test_retention_pseudonymises_the_shared_contact_once_no_record_needs_it(staff):
    retention.ensure_default_rules()
    alfa = _old_alfa(staff)
    shared = alfa.contacts[0]
    _second_person_on(shared, staff, closed_at=NOW - 1900 * DAY)
    # Both records expired: the two persons' cases are due, in any batches.
    assert retention.plan(NOW)["case"]["due"] == 2
    run = retention.apply(NOW, batch_size=1)
    assert run.report["case"]["done"] == 2
    assert not _has_data(shared)
    assert retention.plan(NOW)["case"]["due"] == 0


def test_the_access_export_leaves_out_the_other_persons_case_rows_of_a_shared_contact(staff, dpo):
    alfa = make_person_record(staff, tag="ALFAQX", closed_at=NOW - 10 * DAY)
    shared = alfa.contacts[0]
    _beta, beta_case = _second_person_on(shared, staff)
    alfa_case = alfa.cases[0]
    with_case = {"contact_id": shared.pk, "object_type": "contact", "object_id": shared.pk}
    record_audit(staff, action="opened", case_id=beta_case.pk, **with_case)
    record_audit(staff, action="opened", case_id=alfa_case.pk, **with_case)
    record_audit(staff, action="screened", **with_case)
    for case_id in (beta_case.pk, alfa_case.pk, None):
        record_access(None, staff, object_type="contact", object_id=shared.pk, case_id=case_id)
    records = records_about(alfa.person)
    assert {event.case_id for event in records.audit_events} == {alfa_case.pk, None}
    assert {row.case_id for row in records.access_log} == {alfa_case.pk, None}
    # The DPO's log search by person agrees.
    found = AccessLog.objects.filter(queries.about_person(alfa.person))
    assert {row.case_id for row in found} == {alfa_case.pk, None}


def test_the_log_search_by_person_finds_the_reads_of_the_person_record_itself(staff, dpo):
    """An access export of a person without cases logs a read of the person only."""
    lone = Person.objects.create(pseudonym=new_pseudonym(), full_name="Senza Casi", created_at=NOW)
    row = record_access(None, dpo, object_type="person", object_id=lone.pk, purpose="DSR-1")
    assert list(AccessLog.objects.filter(queries.about_person(lone))) == [row]
