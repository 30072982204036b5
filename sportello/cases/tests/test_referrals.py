"""Referrals: the state machine and its refusals, consent, the letter's content, sending by
e-mail and PEC, the follow-up in working days and its reminder."""

import datetime
import io
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from sportello.alerts.models import Alert
from sportello.cases import referral_tasks, referrals
from sportello.cases.models import Case, Referral, ReferralStatus, SharedItem
from sportello.cases.referral_letter import letter_pdf
from sportello.directory.models import Organization
from sportello.directory.models import Service as DirectoryService
from sportello.privacy.models import AuditEvent
from sportello.services import queries as catalogue
from sportello.testing import rome

NAME = "Zoë Ñúñez-Bianchi"
PHONE = "3331234567"
REASON = "Disturbi del sonno da mesi"
SUMMARY = "Tre colloqui, miglioramento parziale"


@pytest.fixture
def target(db) -> DirectoryService:
    organization = Organization.objects.create(name="ASST Santi Paolo e Carlo")
    return DirectoryService.objects.create(
        organization=organization,
        name="Centro psico-sociale Zona 5",
        email="cps5@example.org",
        pec_email="cps5@pec.example.org",
        last_modified=rome(2026, 1, 1, 9, 0),
    )


@pytest.fixture
def named_case(cast) -> Case:
    person = cast.case.person
    from sportello.cases.models import name_lookup_of

    person.identified, person.full_name, person.name_lookup = True, NAME, name_lookup_of(NAME)
    person.birth_year, person.phone = 1984, PHONE
    person.save()
    return cast.case


def _propose(user, case, target, **overrides):
    values = {
        "to_service_id": target.pk,
        "reason": REASON,
        "summary": SUMMARY,
        "urgency": "soon",
        "shared": [SharedItem.REASON],
        "consent_given": True,
    }
    values.update(overrides)
    return referrals.propose_referral(user, case.pk, **values)


def _audit_count() -> int:
    return AuditEvent.objects.filter(object_type="referral").count()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_referral_needs_the_persons_consent_and_writes_nothing_without_it(cast, target):
    with pytest.raises(ValidationError) as refused:
        _propose(cast.primary, cast.case, target, consent_given=False)
    assert "consent_given" in refused.value.error_dict
    assert not Referral.objects.exists() and _audit_count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"shared": ["identity", "diagnosis"]}, "shared"),
        ({"reason": "   "}, "reason"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"shared": ["summary"], "summary": ""}, "summary"),
    ],
)
def test_bad_input_is_refused_beside_its_field(cast, target, overrides, field):
    with pytest.raises(ValidationError) as refused:
        _propose(cast.primary, cast.case, target, **overrides)
    assert field in refused.value.error_dict
    assert not Referral.objects.exists() and _audit_count() == 0


def test_an_inactive_service_or_the_cases_own_service_is_refused(cast, target):
    target.status = "inactive"
    target.save()
    with pytest.raises(ValidationError):
        _propose(cast.primary, cast.case, target)
    target.status, target.desk_service = "active", cast.case.service
    target.save()
    with pytest.raises(ValidationError) as refused:
        _propose(cast.primary, cast.case, target)
    assert "già di questo servizio" in str(refused.value)
    assert not Referral.objects.exists()


def test_proposing_keeps_what_was_agreed_in_order_and_audits_codes_only(cast, target):
    referral = _propose(
        cast.primary, cast.case, target, shared=[SharedItem.SUMMARY, SharedItem.IDENTITY]
    )
    assert referral.status == ReferralStatus.PROPOSED
    assert referral.shared == ["identity", "summary"]
    assert referral.consent_at == catalogue.now()
    event = AuditEvent.objects.get(object_type="referral", action="referral_proposed")
    assert event.case_id == cast.case.pk and REASON not in str(event.detail)


def test_someone_not_on_the_case_cannot_refer_it(cast, target):
    with pytest.raises(Case.DoesNotExist):
        _propose(cast.outsider, cast.case, target)
    referral = _propose(cast.primary, cast.case, target)
    with pytest.raises((Referral.DoesNotExist, PermissionDenied)):
        referrals.send_referral(cast.coordinator_elsewhere, referral.pk, how="handed")
    # The coordinator of the case's service may follow it.
    referrals.send_referral(cast.coordinator, referral.pk, how="handed")


def _refused_and_unchanged(run, referral: Referral) -> None:
    before = (Referral.objects.filter(pk=referral.pk).values().get(), _audit_count())
    with pytest.raises(ValidationError):
        run()
    assert (Referral.objects.filter(pk=referral.pk).values().get(), _audit_count()) == before


def test_the_state_machine_to_the_first_appointment_and_its_refusals(
    cast, target, frozen_now, django_capture_on_commit_callbacks
):
    user = cast.primary
    referral = _propose(user, cast.case, target)
    _refused_and_unchanged(
        lambda: referrals.record_answer(user, referral.pk, accepted=True), referral
    )
    _refused_and_unchanged(
        lambda: referrals.record_first_appointment(user, referral.pk, held_at=catalogue.now()),
        referral,
    )
    _refused_and_unchanged(lambda: referrals.send_referral(user, referral.pk, how="fax"), referral)
    referrals.send_referral(user, referral.pk, how="handed")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.sent_at == catalogue.now()
    assert referral.sent_to == "" and len(mail.outbox) == 0  # handed: nothing is sent
    _refused_and_unchanged(
        lambda: referrals.send_referral(user, referral.pk, how="handed"), referral
    )
    _refused_and_unchanged(
        lambda: referrals.record_answer(user, referral.pk, accepted=True, refusal_reason="no"),
        referral,
    )
    frozen_now(rome(2026, 12, 3, 11, 0))
    referrals.record_answer(user, referral.pk, accepted=True)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.answered_at == rome(2026, 12, 3, 11, 0)
    _refused_and_unchanged(
        lambda: referrals.record_first_appointment(
            user, referral.pk, held_at=rome(2026, 12, 4, 9, 0)
        ),
        referral,
    )  # in the future
    referrals.record_first_appointment(user, referral.pk, held_at=rome(2026, 12, 3, 9, 0))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FIRST_APPOINTMENT
    _refused_and_unchanged(lambda: referrals.close_referral(user, referral.pk, note=" "), referral)
    referrals.close_referral(user, referral.pk, note="Presa in carico dal CPS")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.closed_at is not None
    _refused_and_unchanged(lambda: referrals.close_referral(user, referral.pk, note="x"), referral)
    actions = list(
        AuditEvent.objects.filter(object_type="referral")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "referral_proposed",
        "referral_sent",
        "referral_answered",
        "referral_first_appointment",
        "referral_closed",
    ]


def test_a_refusal_needs_its_reason_and_then_closes(cast, target):
    user = cast.primary
    referral = _propose(user, cast.case, target)
    referrals.send_referral(user, referral.pk, how="handed")
    _refused_and_unchanged(
        lambda: referrals.record_answer(user, referral.pk, accepted=False), referral
    )
    referrals.record_answer(user, referral.pk, accepted=False, refusal_reason="Fuori zona")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFUSED and referral.refusal_reason == "Fuori zona"
    _refused_and_unchanged(
        lambda: referrals.record_first_appointment(user, referral.pk, held_at=catalogue.now()),
        referral,
    )
    referrals.close_referral(user, referral.pk, note="Cercheremo un altro servizio")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED


# --- The letter ------------------------------------------------------------------------------


def test_the_letter_holds_the_reason_but_not_who_the_person_is(named_case, cast, target):
    referral = _propose(cast.primary, named_case, target, shared=[SharedItem.REASON])
    text = _text(letter_pdf(referral))
    assert REASON in text
    assert "Comune di Milano" in text and "020202" in text and target.name in text
    assert "entro pochi giorni" in text  # the urgency
    assert "persona che desidera restare anonima" in text
    assert named_case.person.pseudonym in text
    for hidden in ("Zoë", "Bianchi", "1984", PHONE, SUMMARY, "rischio"):
        assert hidden not in text, hidden


def test_the_letter_holds_every_agreed_part_and_any_name_prints(named_case, cast, target, screen):
    screen(cast.primary, named_case.opened_from, "moderate")
    referral = _propose(cast.primary, named_case, target, shared=list(SharedItem.values))
    text = _text(letter_pdf(referral))
    for shown in (NAME, "1984", PHONE, REASON, SUMMARY, "moderato"):
        assert shown in text, shown
    assert "restare anonima" not in text


def test_the_letter_leaves_out_the_reason_when_not_agreed(named_case, cast, target):
    referral = _propose(cast.primary, named_case, target, shared=[SharedItem.IDENTITY])
    text = _text(letter_pdf(referral))
    assert NAME in text and REASON not in text and PHONE not in text and SUMMARY not in text


# --- Sending ---------------------------------------------------------------------------------


def test_email_sends_the_letter_once_to_the_services_address(
    cast, target, django_capture_on_commit_callbacks
):
    referral = _propose(cast.primary, cast.case, target)
    with django_capture_on_commit_callbacks(execute=True):
        referrals.send_referral(cast.primary, referral.pk, how="email")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cps5@example.org"]
    ((filename, content, mimetype),) = message.attachments
    assert filename.endswith(".pdf")
    assert mimetype == "application/pdf" and REASON in _text(content)
    assert REASON not in message.body  # the body says nothing of the person
    # Idempotent: a repeated task (a re-delivered message, the sweep) sends nothing more.
    assert referral_tasks.send_referral_email(referral.pk) is False
    assert len(mail.outbox) == 1
    referral.refresh_from_db()
    assert referral_tasks.delivery_status(referral) == "delivered"


def test_pec_goes_to_the_pec_address_and_is_refused_without_one(
    cast, target, django_capture_on_commit_callbacks
):
    referral = _propose(cast.primary, cast.case, target)
    with django_capture_on_commit_callbacks(execute=True):
        referrals.send_referral(cast.primary, referral.pk, how="pec")
    assert mail.outbox[0].to == ["cps5@pec.example.org"]

    target.pec_email = ""
    target.save()
    other = _propose(cast.primary, cast.case, target)
    with django_capture_on_commit_callbacks(execute=True):
        _refused_and_unchanged(
            lambda: referrals.send_referral(cast.primary, other.pk, how="pec"), other
        )
    assert len(mail.outbox) == 1
    assert Referral.objects.get(pk=other.pk).status == ReferralStatus.PROPOSED


def test_a_failed_email_is_tried_again_by_the_sweep(
    cast, target, frozen_now, django_capture_on_commit_callbacks
):
    referral = _propose(cast.primary, cast.case, target)
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("smtp down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        referrals.send_referral(cast.primary, referral.pk, how="email")
    assert len(mail.outbox) == 0
    referral.refresh_from_db()
    assert referral_tasks.delivery_status(referral) == "pending"
    frozen_now(catalogue.now() + datetime.timedelta(minutes=15))
    referral_tasks.remind_unanswered()
    assert len(mail.outbox) == 1
    assert referral_tasks.delivery_status(referral) == "delivered"


# --- Follow-up -------------------------------------------------------------------------------


def test_the_follow_up_is_due_after_working_days_skipping_sunday_and_holidays(
    cast, target, frozen_now, settings
):
    settings.SPORTELLO_REFERRAL_FOLLOW_UP_WORKING_DAYS = 5
    referral = _propose(cast.primary, cast.case, target)
    # Friday 4 December 2026 at 10:00; Sunday 6 closed, Monday 7 is Sant'Ambrogio (Milan's
    # patron) and Tuesday 8 the Immacolata: five working days of 9:30-18:00 (Monday to Saturday)
    # end on Saturday 12 at 10:00.
    frozen_now(rome(2026, 12, 4, 10, 0))
    referrals.send_referral(cast.primary, referral.pk, how="handed")
    referral.refresh_from_db()
    assert timezone.localtime(referral.follow_up_due_at) == rome(2026, 12, 12, 10, 0)


def test_an_unanswered_referral_reminds_its_professional_once(cast, target, frozen_now):
    referral = _propose(cast.primary, cast.case, target)
    referrals.send_referral(cast.primary, referral.pk, how="handed")
    referral.refresh_from_db()
    frozen_now(referral.follow_up_due_at - datetime.timedelta(minutes=1))
    assert referral_tasks.remind_unanswered() == 0
    frozen_now(referral.follow_up_due_at)
    assert referral_tasks.remind_unanswered() == 1
    frozen_now(referral.follow_up_due_at + datetime.timedelta(minutes=15))
    assert referral_tasks.remind_unanswered() == 0
    alert = Alert.objects.get(kind="referral")
    assert alert.recipient == cast.primary
    assert f"/invii/{referral.pk}/" in alert.link
    referral.refresh_from_db()
    assert referral.reminded_at == referral.follow_up_due_at


def test_an_answered_referral_is_not_reminded(cast, target, frozen_now):
    referral = _propose(cast.primary, cast.case, target)
    referrals.send_referral(cast.primary, referral.pk, how="handed")
    referrals.record_answer(cast.primary, referral.pk, accepted=True)
    referral.refresh_from_db()
    frozen_now(referral.follow_up_due_at + datetime.timedelta(days=1))
    assert referral_tasks.remind_unanswered() == 0
    assert not Alert.objects.exists()


def test_the_letter_keeps_what_was_agreed_when_details_change_later(named_case, cast, target):
    referral = _propose(cast.primary, named_case, target, shared=[SharedItem.CONTACT])
    person = named_case.person
    person.email = "nuova.email@example.org"  # added after the person agreed
    person.save()
    referral.refresh_from_db()
    text = _text(letter_pdf(referral))
    assert PHONE in text and "nuova.email@example.org" not in text


def test_a_letter_already_queued_is_not_e_mailed_once_the_referral_is_closed(
    cast, target, django_capture_on_commit_callbacks
):
    referral = _propose(cast.primary, cast.case, target)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        referrals.send_referral(cast.primary, referral.pk, how="email")
    referrals.close_referral(cast.primary, referral.pk, note="La persona ha rinunciato")
    for callback in queued:
        callback()
    assert mail.outbox == []


def test_a_closed_cases_referral_is_not_sent(cast, target):
    from sportello.cases.models import Outcome

    referral = _propose(cast.primary, cast.case, target)
    Case.objects.filter(pk=cast.case.pk).update(
        status="closed", outcome=Outcome.values[0], closed_at=cast.case.opened_at
    )
    _refused_and_unchanged(
        lambda: referrals.send_referral(cast.primary, referral.pk, how="handed"), referral
    )


@pytest.mark.parametrize("health", [SharedItem.RISK, SharedItem.SUMMARY])
def test_health_details_never_go_by_plain_email(cast, target, health):
    referral = _propose(cast.primary, cast.case, target, shared=[SharedItem.REASON, health])
    _refused_and_unchanged(
        lambda: referrals.send_referral(cast.primary, referral.pk, how="email"), referral
    )
    referrals.send_referral(cast.primary, referral.pk, how="pec")  # certified mail is fine


def test_a_restricted_persons_data_are_neither_referred_nor_sent(cast, target):
    from sportello.privacy.models import ProcessingRestriction

    proposed = _propose(cast.primary, cast.case, target)
    ProcessingRestriction.objects.create(person=cast.case.person, since=timezone.now())
    before = (Referral.objects.count(), _audit_count())
    with pytest.raises(ValidationError, match="limitato su sua richiesta"):
        _propose(cast.primary, cast.case, target)
    with pytest.raises(ValidationError, match="limitato su sua richiesta"):
        referrals.send_referral(cast.primary, proposed.pk, how="pec")
    proposed.refresh_from_db()
    assert proposed.status == ReferralStatus.PROPOSED
    assert (Referral.objects.count(), _audit_count()) == before
