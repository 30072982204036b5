"""The real run: a hold placed while a batch is chosen is respected, the run repeats the dry run
the DPO read (same rules, once), and a batch whose candidates were all taken does not end it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sportello.cases.models import Person
from sportello.privacy import erasure, retention, retention_tasks
from sportello.privacy.models import (
    AuditEvent,
    ErasureRecord,
    LegalHold,
    ProcessingRestriction,
    RetentionRule,
    RetentionRun,
)
from sportello.privacy.tests.test_erasure import NOW, make_person_record

DAY = datetime.timedelta(days=1)


@pytest.fixture
def staff(milan, make_staff, frozen_now):
    frozen_now(NOW)
    retention.ensure_default_rules()
    return make_staff("professional")


@pytest.fixture
def dpo(milan, make_staff):
    return make_staff("dpo")


def _old(staff, tag: str, slot: int = 0):
    return make_person_record(
        staff, tag=tag, at=NOW - 3000 * DAY, closed_at=NOW - 2000 * DAY, slot=slot
    )


@pytest.mark.parametrize("placed", ["legal_hold", "restriction"])
def test_a_hold_placed_between_the_candidates_and_the_lock_is_respected(
    staff, dpo, monkeypatch, placed
):
    alfa = _old(staff, "ALFAQX")
    real_lock = retention._lock
    placed_already: list[bool] = []

    def lock_after_another_transaction_placed_a_hold(queryset):
        if queryset.model is Person and not placed_already:
            placed_already.append(True)
            if placed == "legal_hold":
                LegalHold.objects.create(
                    person=alfa.person, reason="Ordine del giudice", placed_at=NOW, placed_by=dpo
                )
            else:
                ProcessingRestriction.objects.create(person=alfa.person, since=NOW)
        return real_lock(queryset)

    monkeypatch.setattr(retention, "_lock", lock_after_another_transaction_placed_a_hold)
    run = retention.apply(NOW)
    assert Person.objects.get(pk=alfa.person.pk).full_name == "ALFAQX Rossi"
    assert run.report["case"]["done"] == 0
    assert not ErasureRecord.objects.filter(record_kind="person").exists()


def test_a_batch_whose_candidates_were_all_taken_does_not_end_the_run(staff, monkeypatch):
    """With a batch of one, the first person is being done by another run (locked, so
    skipped): the second person must still be done."""
    first, second = _old(staff, "UNOQX"), _old(staff, "DUEQX", slot=3)
    real_lock = retention._lock

    def first_person_locked_elsewhere(queryset):
        if queryset.model is Person:
            queryset = queryset.exclude(pk=first.person.pk)
        return real_lock(queryset)

    monkeypatch.setattr(retention, "_lock", first_person_locked_elsewhere)
    run = retention.apply(NOW, batch_size=1)
    assert Person.objects.get(pk=second.person.pk).full_name == ""
    assert Person.objects.get(pk=first.person.pk).full_name == "UNOQX Rossi"
    assert run.report["case"]["done"] == 1
    assert ErasureRecord.objects.get(record_kind="person").count == 1


@pytest.mark.parametrize(
    "change",
    [
        {"months": 1},
        {"active": False},
        {"action": "pseudonymise", "months": 61},
    ],
    ids=["months", "suspended", "longer"],
)
def test_the_real_run_is_refused_when_a_rule_changed_after_the_dry_run(
    staff, dpo, change, django_capture_on_commit_callbacks
):
    recent = make_person_record(staff, tag="ALFAQX", at=NOW - 800 * DAY, closed_at=NOW - 730 * DAY)
    dry = retention.dry_run(dpo)
    assert dry.report["case"]["due"] == 0
    rule = RetentionRule.objects.get(record_kind="case")
    values = {"months": rule.months, "action": rule.action, "active": True, "basis": "Motivo"}
    retention.update_rule(dpo, rule.pk, **{**values, **change})
    audits = AuditEvent.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError) as refused,
    ):
        retention.start_real_run(dpo, dry.pk)
    assert refused.value.code == "rules_changed"
    assert "Le regole di conservazione sono cambiate" in refused.value.messages[0]
    assert not callbacks and AuditEvent.objects.count() == audits
    assert not RetentionRun.objects.filter(dry_run=False).exists()
    assert Person.objects.get(pk=recent.person.pk).full_name == "ALFAQX Rossi"


def test_a_rule_added_after_the_dry_run_also_refuses_it(staff, dpo):
    RetentionRule.objects.filter(record_kind="contact").delete()
    dry = retention.apply(NOW, dry_run=True, by=dpo)
    retention.ensure_default_rules()
    with pytest.raises(ValidationError, match="cambiate"):
        retention.start_real_run(dpo, dry.pk)


def test_the_worker_does_not_run_when_the_rules_changed_after_the_start(staff, dpo):
    alfa = make_person_record(staff, tag="ALFAQX", at=NOW - 800 * DAY, closed_at=NOW - 730 * DAY)
    dry = retention.dry_run(dpo)
    retention.start_real_run(dpo, dry.pk)  # queued (on commit, never run here)
    rule = RetentionRule.objects.get(record_kind="case")
    retention.update_rule(dpo, rule.pk, months=1, action=rule.action, active=True, basis="x")
    assert retention_tasks.apply_retention_as_of(dry.as_of.isoformat(), dpo.pk, dry.pk) is None
    assert not RetentionRun.objects.filter(dry_run=False).exists()
    assert Person.objects.get(pk=alfa.person.pk).full_name == "ALFAQX Rossi"


def test_a_dry_run_is_executed_once(staff, dpo, client, django_capture_on_commit_callbacks):
    _old(staff, "ALFAQX")
    dry = retention.dry_run(dpo)
    client.force_login(dpo)
    url = reverse("privacy:retention-apply", args=[dry.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert RetentionRun.objects.filter(dry_run=False).count() == 1
    assert AuditEvent.objects.filter(
        action=retention.REAL_RUN_STARTED, object_id=str(dry.pk), actor=dpo
    ).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)
    assert response.status_code == 400 and not callbacks
    assert "già stata eseguita" in response.content.decode()
    assert RetentionRun.objects.filter(dry_run=False).count() == 1
    # Its page no longer offers the button.
    page = client.get(reverse("privacy:retention-run", args=[dry.pk])).content.decode()
    assert f'action="{url}"' not in page and "già stata eseguita" in page


def test_persons_another_run_finished_meanwhile_are_not_done_again_nor_end_the_run(
    staff, monkeypatch
):
    """Between the choice of a batch and its lock, another run does the first person and
    commits: this run neither does them again (unrecorded) nor stops before the second."""
    first, second = _old(staff, "UNOQX"), _old(staff, "DUEQX", slot=3)
    real_lock = retention._lock
    done_elsewhere: list[bool] = []

    def another_run_did_the_first_person(queryset):
        if queryset.model is Person and not done_elsewhere:
            done_elsewhere.append(True)
            erasure.pseudonymise_persons([first.person.pk])
        return real_lock(queryset)

    monkeypatch.setattr(retention, "_lock", another_run_did_the_first_person)
    run = retention.apply(NOW, batch_size=1)
    assert Person.objects.get(pk=second.person.pk).full_name == ""
    assert run.report["case"]["done"] == 1
    # Only the second person is this run's, and recorded as such.
    assert ErasureRecord.objects.get(record_kind="person").count == 1
    assert ErasureRecord.objects.get(record_kind="contact", action="pseudonymised").count == 2
