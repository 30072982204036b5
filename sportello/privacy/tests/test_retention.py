"""Retention rules, the dry run and the real run in batches (sportello.privacy.retention)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sportello.appointments.models import Message
from sportello.cases.models import Case, Person
from sportello.intake.models import CallbackWindow, Contact
from sportello.privacy import erasure, retention, retention_tasks
from sportello.privacy.models import (
    AuditEvent,
    ErasureRecord,
    LegalHold,
    ProcessingRestriction,
    RetentionRule,
    RetentionRun,
)
from sportello.privacy.tests.test_erasure import (
    NOW,
    make_contact_record,
    make_person_record,
    mentions,
)
from sportello.testing import rome

DAY = datetime.timedelta(days=1)
YEAR = 365 * DAY


@pytest.fixture
def staff(milan, make_staff, frozen_now):
    frozen_now(NOW)
    return make_staff("professional")


@pytest.fixture
def rules(db):
    retention.ensure_default_rules()
    return {rule.record_kind: rule for rule in RetentionRule.objects.all()}


@pytest.fixture
def desk(staff, rules, make_staff):
    """Records of every age: what each rule reaches at NOW is spelled out in the tests."""
    dpo = make_staff("dpo")
    old = make_person_record(staff, tag="OLDQX", at=NOW - 7 * YEAR, closed_at=NOW - 6 * YEAR)
    current = make_person_record(staff, tag="NEWQX", at=NOW - 20 * DAY, slot=3)
    held = make_person_record(
        staff, tag="HELDQX", at=NOW - 7 * YEAR, closed_at=NOW - 6 * YEAR, slot=6
    )
    LegalHold.objects.create(
        person=held.person, reason="Denuncia in corso", placed_at=NOW, placed_by=dpo
    )
    lone_old = make_contact_record(
        staff, tag="LONEOLDQX", at=NOW - 14 * 30 * DAY, closed_at=NOW - 13 * 30 * DAY
    )
    lone_recent = make_contact_record(
        staff, tag="LONENEWQX", at=NOW - 11 * 30 * DAY, closed_at=NOW - 11 * 30 * DAY
    )
    return {
        "dpo": dpo,
        "old": old,
        "current": current,
        "held": held,
        "lone_old": lone_old,
        "lone_recent": lone_recent,
    }


EXPECTED_PLAN = {
    # The old person's two, the held person's two held.
    "appointment_message": {"due": 2, "held": 2},
    # Old person's contacts (2), both lone contacts (closed over a month ago); the current
    # person's contacts closed 20 days ago are not due.
    "callback_window": {"due": 4, "held": 2},
    # Only the lone contact closed 13 months ago; linked contacts follow their case.
    "contact": {"due": 1, "held": 0},
    "case": {"due": 1, "held": 1},
}


def _counts(report, *keys):
    return {code: {key: line[key] for key in keys} for code, line in report.items()}


def test_default_rules_are_data_with_a_basis_and_keep_the_dpos_edits(rules):
    assert {code: (rule.months, rule.action) for code, rule in rules.items()} == {
        "appointment_message": (6, "delete"),
        "callback_window": (1, "delete"),
        "contact": (12, "pseudonymise"),
        "case": (60, "pseudonymise"),
    }
    assert all(rule.basis and rule.active for rule in rules.values())
    RetentionRule.objects.filter(record_kind="case").update(months=120)
    assert retention.ensure_default_rules() == []
    assert RetentionRule.objects.get(record_kind="case").months == 120


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (rome(2027, 3, 31, 10, 0), 1, rome(2027, 2, 28, 10, 0)),
        (rome(2028, 3, 31, 10, 0), 1, rome(2028, 2, 29, 10, 0)),
        (rome(2026, 12, 3, 16, 0), 60, rome(2021, 12, 3, 16, 0)),
        (rome(2027, 1, 15, 0, 30), 12, rome(2026, 1, 15, 0, 30)),
        # Across a change of summer time the wall-clock time stays.
        (rome(2026, 7, 1, 9, 0), 6, rome(2026, 1, 1, 9, 0)),
    ],
)
def test_months_before_counts_calendar_months_in_the_desks_time(moment, months, expected):
    assert retention.months_before(moment, months) == expected


def test_the_plan_reports_due_and_held_per_kind_and_writes_nothing(desk):
    records, audits = ErasureRecord.objects.count(), AuditEvent.objects.count()
    report = retention.plan(NOW)
    assert _counts(report, "due", "held") == EXPECTED_PLAN
    assert report["case"]["action"] == "pseudonymise" and report["case"]["months"] == 60
    assert report["case"]["cutoff"] == rome(2021, 12, 3, 16, 0).isoformat()
    assert ErasureRecord.objects.count() == records and AuditEvent.objects.count() == audits
    assert mentions("OLDQX") > 0 and not RetentionRun.objects.exists()


def test_a_person_with_a_recent_case_keeps_the_old_one_too(desk, staff):
    old = desk["old"]
    Case.objects.create(
        reference="PC-T-RECENT",
        person=old.person,
        service=old.cases[0].service,
        opened_at=NOW - 2 * YEAR,
        opened_by=staff,
        status="closed",
        outcome="goals_reached",
        closed_at=NOW - YEAR,
    )
    assert retention.plan(NOW)["case"]["due"] == 0


def test_a_restriction_of_processing_holds_like_a_legal_hold(desk, frozen_now):
    ProcessingRestriction.objects.create(person=desk["old"].person, since=NOW - DAY)
    report = retention.plan(NOW)
    assert (report["case"]["due"], report["case"]["held"]) == (0, 2)
    assert (report["appointment_message"]["due"], report["appointment_message"]["held"]) == (0, 4)


def test_inactive_rules_are_not_applied(desk):
    RetentionRule.objects.filter(record_kind__in=["case", "contact"]).update(active=False)
    assert set(retention.plan(NOW)) == {"appointment_message", "callback_window"}
    retention.apply(NOW)
    assert mentions("OLDQX") > 0 and mentions("LONEOLDQX") > 0


def test_the_real_run_does_what_the_dry_run_said_and_records_it(desk):
    dry = retention.apply(NOW, dry_run=True)
    assert dry.dry_run and dry.finished_at == NOW
    assert _counts(dry.report, "due", "held", "done") == {
        code: {**line, "done": 0} for code, line in EXPECTED_PLAN.items()
    }
    assert mentions("OLDQX") > 0  # the dry run changed nothing

    run = retention.apply(NOW, by=desk["dpo"])

    assert not run.dry_run and run.finished_at == NOW and run.started_by == desk["dpo"]
    assert {code: line["done"] for code, line in run.report.items()} == {
        code: line["due"] for code, line in dry.report.items()
    }
    assert RetentionRun.objects.get(pk=run.pk).report == run.report
    # Expired and not held: gone. Held, recent, linked to a current case: untouched.
    assert mentions("OLDQX") == 0 and mentions("LONEOLDQX") == 0
    assert mentions("HELDQX") > 20 and mentions("NEWQX") > 20
    assert "LONENEWQX nome del chiamante" in {
        contact.caller_name for contact in Contact.objects.all()
    }
    assert not CallbackWindow.objects.filter(contact=desk["lone_recent"]).exists()
    assert Message.objects.filter(appointment__case__person=desk["held"].person).count() == 1
    # Nothing is left to do, and what is held is still held.
    assert _counts(retention.plan(NOW), "due", "held") == {
        code: {"due": 0, "held": line["held"]} for code, line in EXPECTED_PLAN.items()
    }
    kinds = {(record.record_kind, record.action) for record in ErasureRecord.objects.all()}
    assert {("message", "erased"), ("contact", "pseudonymised"), ("person", "pseudonymised")} <= (
        kinds
    )
    reasons = set(ErasureRecord.objects.values_list("reason", flat=True))
    assert (
        f"Conservazione scaduta: prese in carico chiuse (cartella clinica), oltre 60 mesi "
        f"(esecuzione n. {run.pk})"
    ) in reasons
    assert all(record.request is None for record in ErasureRecord.objects.all())


def test_each_batch_is_audited_and_a_small_batch_size_splits_the_work(desk):
    run = retention.apply(NOW, batch_size=1)
    batches = AuditEvent.objects.filter(action="retention_batch", object_id=str(run.pk))
    per_kind = {}
    for audit in batches:
        per_kind[audit.detail["record_kind"]] = per_kind.get(audit.detail["record_kind"], 0) + 1
        assert audit.detail["done"] == 1 and audit.actor_label == "retention"
    assert per_kind == {"appointment_message": 2, "callback_window": 4, "contact": 1, "case": 1}


def test_a_crash_leaves_the_batches_before_it_done_and_the_next_run_finishes(
    desk, staff, monkeypatch
):
    second = make_contact_record(
        staff, tag="LONEOLD2QX", at=NOW - 14 * 30 * DAY, closed_at=NOW - 13 * 30 * DAY
    )
    real = erasure.pseudonymise_contacts
    calls = []

    def crash_on_second_batch(ids, **kwargs):
        calls.append(ids)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(ids, **kwargs)

    monkeypatch.setattr(erasure, "pseudonymise_contacts", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        retention.apply(NOW, batch_size=1)
    crashed = RetentionRun.objects.get()
    assert crashed.finished_at is None
    assert crashed.report["contact"]["due"] == 2 and crashed.report["contact"]["done"] == 1
    assert mentions("LONEOLDQX") == 0 and mentions("LONEOLD2QX") > 0

    monkeypatch.setattr(erasure, "pseudonymise_contacts", real)
    finished = retention.apply(NOW, batch_size=1)
    assert finished.report["contact"] == {**finished.report["contact"], "due": 1, "done": 1}
    assert mentions("LONEOLD2QX") == 0
    assert calls == [[desk["lone_old"].pk], [second.pk]]


@pytest.mark.parametrize(
    ("as_of", "batch_size", "message"),
    [
        (NOW + DAY, 500, "La data di riferimento non può essere nel futuro"),
        (NOW, 0, "Il numero di record per lotto deve essere almeno 1."),
    ],
)
def test_bad_input_is_refused_in_italian_and_writes_nothing(desk, as_of, batch_size, message):
    with pytest.raises(ValidationError) as refused:
        retention.apply(as_of, batch_size=batch_size)
    assert message in refused.value.messages[0]
    assert not RetentionRun.objects.exists() and mentions("OLDQX") > 0


def test_the_nightly_task_only_dry_runs_unless_enforced(desk, settings):
    settings.SPORTELLO_RETENTION_ENFORCE = False
    result = retention_tasks.apply_retention()
    assert result["run"] is None
    assert list(RetentionRun.objects.values_list("dry_run", flat=True)) == [True]
    assert mentions("OLDQX") > 0

    settings.SPORTELLO_RETENTION_ENFORCE = True
    result = retention_tasks.apply_retention()
    real = RetentionRun.objects.get(pk=result["run"])
    dry = RetentionRun.objects.get(pk=result["dry_run"])
    assert dry.dry_run and not real.dry_run and dry.as_of == real.as_of == NOW
    assert mentions("OLDQX") == 0


def test_the_task_is_scheduled_nightly_and_imported_by_the_worker():
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["retention-nightly"]
    assert entry["task"] == retention_tasks.apply_retention.name
    assert "sportello.privacy.retention_tasks" in django_settings.CELERY_IMPORTS
    assert django_settings.SPORTELLO_RETENTION_ENFORCE is False


def test_the_command_dry_runs_and_runs(desk):
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", "--as-of", "2026-12-01", stdout=out)
    run = RetentionRun.objects.get()
    assert run.dry_run and run.as_of == rome(2026, 12, 1, 0, 0)
    assert "contatti mai collegati a una presa in carico: da trattare 1" in out.getvalue()
    assert mentions("OLDQX") > 0

    call_command("apply_retention", "--batch-size", "1", stdout=io.StringIO())
    assert mentions("OLDQX") == 0 and RetentionRun.objects.filter(dry_run=False).count() == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--as-of", "03/12/2026"], "Data non valida: 03/12/2026. Scrivila come AAAA-MM-GG."),
        (["--as-of", "2027-01-01"], "La data di riferimento non può essere nel futuro"),
        (["--batch-size", "zero"], "un numero intero da 1 in su"),
        (["--batch-size", "-3"], "un numero intero da 1 in su"),
    ],
)
def test_the_command_refuses_bad_input_in_italian_writing_nothing(desk, arguments, message):
    with pytest.raises(CommandError) as refused:
        call_command("apply_retention", *arguments, stdout=io.StringIO())
    assert message in str(refused.value)
    assert not RetentionRun.objects.exists() and mentions("OLDQX") > 0


# --- the dry run equals the real run, on random desks ---

contact_ages = st.lists(
    st.tuples(st.integers(0, 30), st.booleans()), max_size=3
)  # (months since closing, closed?)
person_shapes = st.lists(
    st.tuples(
        st.integers(0, 90),  # months since the case closed
        st.booleans(),  # still open?
        st.booleans(),  # under a legal hold?
        st.sampled_from([None, 1, 120]),  # another case closed this many months ago
    ),
    max_size=3,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(contacts=contact_ages, persons=person_shapes, batch_size=st.integers(1, 3))
def test_the_dry_run_equals_the_real_run_on_random_desks(
    staff, rules, contacts, persons, batch_size
):
    with transaction.atomic():
        for index, (months, closed) in enumerate(contacts):
            at = retention.months_before(NOW, months)
            make_contact_record(staff, tag=f"R{index}C", at=at, closed_at=at if closed else None)
        for index, (months, still_open, held, other) in enumerate(persons):
            closed_at = retention.months_before(NOW, months)
            record = make_person_record(
                staff,
                tag=f"R{index}P",
                at=closed_at - DAY,
                closed_at=None if still_open else closed_at,
                slot=index * 3,
            )
            if other is not None:
                Case.objects.create(
                    reference=f"PC-T-R{index}",
                    person=record.person,
                    service=record.cases[0].service,
                    opened_at=NOW - 10 * YEAR,
                    opened_by=staff,
                    status="closed",
                    outcome="withdrew",
                    closed_at=retention.months_before(NOW, other),
                )
            if held:
                LegalHold.objects.create(
                    person=record.person, reason="x", placed_at=NOW, placed_by=staff
                )

        dry = retention.apply(NOW, dry_run=True)
        real = retention.apply(NOW, batch_size=batch_size)
        event(f"processed something: {any(line['done'] for line in real.report.values())}")
        event(f"held something: {any(line['held'] for line in real.report.values())}")

        assert {code: line["done"] for code, line in real.report.items()} == {
            code: line["due"] for code, line in dry.report.items()
        }
        assert _counts(real.report, "due", "held") == _counts(dry.report, "due", "held")
        after = retention.plan(NOW)
        assert all(line["due"] == 0 for line in after.values()), after
        assert _counts(after, "held") == _counts(dry.report, "held")
        held_people = Person.objects.filter(legal_holds__isnull=False)
        assert all(person.full_name for person in held_people)
        transaction.set_rollback(True)
