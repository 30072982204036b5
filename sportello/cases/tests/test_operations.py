"""Case operations: what each writes, and every refusal writing nothing."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings

from sportello.accounts.models import Language
from sportello.cases import operations
from sportello.cases.models import (
    BreakGlassGrant,
    Case,
    CaseSection,
    CaseTransfer,
    Consent,
    Person,
    Session,
    Status,
    name_lookup_of,
)
from sportello.privacy.models import AuditEvent
from sportello.testing import rome

from .conftest import TUESDAY_10, Cast


def counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Person.objects.count(),
        Session.objects.count(),
        Consent.objects.count(),
        CaseTransfer.objects.count(),
        CaseSection.objects.count(),
        BreakGlassGrant.objects.count(),
        Case.team.through.objects.count(),
        Case.contacts.through.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def primary(make_professional, at_tuesday):
    return make_professional("paola")


def test_a_case_opened_from_a_held_contact_takes_its_service_and_a_yearly_reference(
    make_professional, held_contact, at_tuesday
):
    primary = make_professional("vera", services=("emergency", "victims"))
    contact = held_contact(primary, "victims")
    first = operations.open_case(
        primary, contact.pk, person_data=operations.PersonData(), goals="Sentirsi al sicuro"
    )
    second = operations.open_case(
        primary, held_contact(primary).pk, person_data=operations.PersonData()
    )
    assert (first.reference, second.reference) == ("PC-2026-000001", "PC-2026-000002")
    assert first.service.code == "victims" and first.programme.code == "covid19"
    assert first.opened_from == contact and list(first.contacts.all()) == [contact]
    assert first.primary_professional == primary and first.status == Status.OPEN
    assert re.fullmatch(r"P-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}", first.person.pseudonym)
    assert not first.person.identified and first.person.full_name == ""
    event = AuditEvent.objects.get(case_id=first.pk)
    assert (event.action, event.contact_id, event.actor) == ("opened", contact.pk, primary)
    assert "Sentirsi" not in str(event.detail)


def test_an_identified_person_is_found_by_the_hash_of_the_normalised_name(primary, held_contact):
    case = operations.open_case(
        primary,
        held_contact(primary).pk,
        person_data=operations.PersonData(
            full_name="  Lucia   Bianchì ", birth_year=1980, municipio=4, phone="333 123 4567"
        ),
        anonymous=False,
    )
    person = case.person
    assert person.identified and person.full_name == "Lucia Bianchì"
    assert person.name_lookup == name_lookup_of("lucia bianchi") and len(person.name_lookup) == 64
    assert person.phone == "+393331234567"


@pytest.mark.parametrize(
    ("data", "anonymous", "field", "message"),
    [
        ({"full_name": "Lucia Bianchi"}, True, "full_name", "anonima non ha nome"),
        ({}, False, "full_name", "Scrivi nome e cognome"),
        ({"birth_year": 1899}, True, "birth_year", "tra 1900 e 2026"),
        ({"birth_year": 2027}, True, "birth_year", "tra 1900 e 2026"),
        ({"municipio": 10}, True, "municipio", "da 1 a 9"),
        ({"phone": "12"}, True, "phone", "non è un numero di telefono"),
        ({"email": "non-una-email"}, True, "email", "email valido"),
        ({"preferred_language_id": 99999}, True, "preferred_language", "Lingua sconosciuta"),
        ({"safe_to_message": True}, True, "safe_to_message", "serve un telefono o un'email"),
        (
            {"safe_to_message": True, "no_messages": True, "email": "a@example.org"},
            True,
            "safe_to_message",
            "non vuole ricevere messaggi",
        ),
    ],
)
def test_bad_person_data_is_refused_per_field_and_nothing_is_written(
    primary, held_contact, data, anonymous, field, message
):
    contact = held_contact(primary)
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        operations.open_case(
            primary, contact.pk, person_data=operations.PersonData(**data), anonymous=anonymous
        )
    assert message in " ".join(refusal.value.message_dict[field])
    assert counts() == before


def test_only_whoever_held_the_contact_or_a_coordinator_of_its_service_opens_a_case(
    primary, make_professional, make_coordinator, held_contact
):
    contact = held_contact(primary)
    before = counts()
    for stranger in (make_professional("altra"), make_coordinator(services=("victims",))):
        with pytest.raises(PermissionDenied):
            operations.open_case(stranger, contact.pk, person_data=operations.PersonData())
    assert counts() == before
    case = operations.open_case(
        make_coordinator(services=("emergency",)), contact.pk, person_data=operations.PersonData()
    )
    assert case.primary_professional is None  # a coordinator leaves it to be assigned


def test_a_contact_already_in_an_open_case_is_refused_naming_the_case(
    primary, held_contact, make_case
):
    case = make_case(primary)
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        operations.open_case(primary, case.opened_from_id, person_data=operations.PersonData())
    assert case.reference in refusal.value.messages[0]
    assert counts() == before


def test_update_person_and_goals_write_audit_rows_without_the_text(primary, make_case):
    case = make_case(primary)
    italian = Language.objects.get(code="it")
    operations.update_person(
        primary,
        case.pk,
        operations.PersonData(full_name="Anna Rossi", preferred_language_id=italian.pk),
        anonymous=False,
    )
    operations.set_goals(primary, case.pk, "Tornare a dormire")
    case.refresh_from_db()
    assert case.person.full_name == "Anna Rossi" and case.person.preferred_language == italian
    assert case.goals == "Tornare a dormire"
    events = list(AuditEvent.objects.filter(case_id=case.pk).values_list("action", "detail"))
    assert [action for action, _detail in events] == ["opened", "person_updated", "goals_set"]
    assert "Anna" not in str(events) and "dormire" not in str(events)


def test_the_person_may_receive_messages_only_when_safe_and_not_opted_out(primary, make_case):
    case = make_case(primary)
    assert not case.person.safe_to_message  # nobody is messaged until someone says it is safe
    operations.update_person(
        primary,
        case.pk,
        operations.PersonData(phone="+39 333 1234567", safe_to_message=True),
        anonymous=True,
    )
    case.person.refresh_from_db()
    assert case.person.safe_to_message and not case.person.no_messages
    operations.update_person(
        primary, case.pk, operations.PersonData(phone="+393331234567", no_messages=True),
        anonymous=True,
    )  # fmt: skip
    case.person.refresh_from_db()
    assert case.person.no_messages and not case.person.safe_to_message


def _session(user, case, **changes):
    data = {
        "held_at": TUESDAY_10 - datetime.timedelta(hours=1),
        "mode": "phone",
        "duration_minutes": 45,
        "participant_ids": [user.pk],
        "notes": "Racconta la perdita del lavoro",
        "next_steps": "Richiamare giovedì",
        **changes,
    }
    return operations.record_session(user, case.pk, **data)


def test_a_session_is_recorded_with_its_participants_and_encrypted_notes(
    primary, make_professional, make_case
):
    colleague = make_professional("luca")
    case = make_case(primary, team=(colleague,))
    session = _session(primary, case, participant_ids=[primary.pk, colleague.pk])
    assert set(session.participants.all()) == {primary, colleague}
    assert session.recorded_by == primary and session.recorded_at == TUESDAY_10
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes, next_steps FROM cases_session WHERE id = %s", [session.pk])
        notes, next_steps = cursor.fetchone()
    assert "perdita" not in notes and "giovedì" not in next_steps
    assert Session.objects.get().notes == "Racconta la perdita del lavoro"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"duration_minutes": 0}, "duration_minutes", "La durata è in minuti, da 1 a 240."),
        ({"duration_minutes": 241}, "duration_minutes", "La durata è in minuti, da 1 a 240."),
        (
            {"mode": "in_person"},
            "mode",
            "Scegli se il colloquio è stato al telefono o in videochiamata.",
        ),
        (
            {"held_at": TUESDAY_10 + datetime.timedelta(hours=1)},
            "held_at",
            "Un colloquio si registra dopo averlo svolto: la data è futura.",
        ),
        (
            {"participant_ids": [0]},
            "participants",
            "Tra i presenti scegli solo chi segue la presa in carico.",
        ),
        (
            {"other_participants": "x" * (operations.MAX_OTHER_PARTICIPANTS + 1)},
            "other_participants",
            "Testo troppo lungo (al massimo 500 caratteri).",
        ),
    ],
)
def test_bad_sessions_are_refused_and_nothing_is_written(
    primary, make_case, changes, field, message
):
    case = make_case(primary)
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        _session(primary, case, **changes)
    assert refusal.value.message_dict[field] == [message]
    assert counts() == before


def test_someone_who_does_not_follow_the_case_cannot_write_to_it(
    primary, make_professional, make_coordinator, make_case
):
    case = make_case(primary)
    before = counts()
    with pytest.raises(Case.DoesNotExist):
        _session(make_professional("altra"), case)
    with pytest.raises(PermissionDenied):  # a coordinator supervises, does not write notes
        _session(make_coordinator(services=("emergency",)), case)
    assert counts() == before


@override_settings(SPORTELLO_CONSENT_TEXT_VERSION="consenso-2026-02")
def test_consent_is_recorded_on_the_text_in_force_once_and_can_be_withdrawn(primary, make_case):
    case = make_case(primary)
    consent = operations.record_consent(
        primary, case.pk, given_how="verbal_phone", given_at=TUESDAY_10
    )
    assert (consent.text_version, consent.given_to, consent.in_force) == (
        "consenso-2026-02",
        primary,
        True,
    )
    before = counts()
    with pytest.raises(ValidationError, match="già registrato"):
        operations.record_consent(primary, case.pk, given_how="written", given_at=TUESDAY_10)
    with pytest.raises(ValidationError) as refusal:
        operations.record_consent(
            primary, case.pk, given_how="by_pigeon", given_at=TUESDAY_10 + datetime.timedelta(1)
        )
    assert set(refusal.value.message_dict) == {"given_how", "given_at"}
    assert refusal.value.message_dict == {
        "given_how": ["Scegli come è stato dato il consenso."],
        "given_at": ["La data del consenso non può essere futura."],
    }
    assert counts() == before
    withdrawn = operations.withdraw_consent(primary, case.pk, consent.pk)
    assert withdrawn.withdrawn_at == TUESDAY_10 and withdrawn.withdrawal_recorded_by == primary
    with pytest.raises(ValidationError, match="già stato revocato"):
        operations.withdraw_consent(primary, case.pk, consent.pk)


def test_only_a_coordinator_assigns_and_only_a_professional_of_the_service(
    primary, make_professional, make_coordinator, make_case
):
    case = make_case(primary)
    coordinator = make_coordinator(services=("emergency",))
    victims_only = make_professional("vittime", services=("victims",))
    other = make_professional("luca")
    with pytest.raises(PermissionDenied):
        operations.assign(primary, case.pk, other.pk)
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        operations.assign(coordinator, case.pk, victims_only.pk)
    assert "Servizio per le emergenze" in refusal.value.message_dict["professional"][0]
    assert counts() == before
    assert operations.assign(coordinator, case.pk, other.pk).primary_professional == other


def test_the_team_takes_professionals_only(primary, make_professional, make_coordinator, make_case):
    case = make_case(primary)
    coordinator = make_coordinator()
    colleague = make_professional("luca", services=("victims",))
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        operations.set_team(coordinator, case.pk, [colleague.pk, coordinator.pk])
    assert refusal.value.message_dict == {
        "members": ["Nell'équipe possono entrare solo professionisti."]
    }
    assert case.team.count() == 0 and counts() == before
    operations.set_team(coordinator, case.pk, [colleague.pk, primary.pk])
    assert list(case.team.all()) == [colleague]  # the primary is not also in the team


def test_a_transfer_changes_the_service_and_keeps_the_history(
    primary, make_professional, make_case
):
    case = make_case(primary)
    before = counts()
    for service, reason, field, message in [
        (
            "emergency",
            "La persona chiede altro",
            "to_service",
            "La presa in carico è già di questo servizio.",
        ),
        ("nessuno", "La persona chiede altro", "to_service", "Scegli un servizio attivo."),
        ("victims", "breve", "reason", "Spiega il motivo del trasferimento (almeno 10 caratteri)."),
    ]:
        with pytest.raises(ValidationError) as refusal:
            operations.transfer(primary, case.pk, service, reason)
        assert field in refusal.value.message_dict
        assert refusal.value.message_dict == {field: [message]}
    assert counts() == before
    moved = operations.transfer(primary, case.pk, "victims", "Ha subito un furto in casa")
    assert moved.service.code == "victims"
    # The primary professional does not serve the victims' service: the case awaits assignment.
    assert moved.primary_professional is None
    transfer = CaseTransfer.objects.get()
    assert (transfer.from_service.code, transfer.to_service.code) == ("emergency", "victims")
    assert transfer.reason == "Ha subito un furto in casa" and transfer.by == primary


def test_suspend_reopen_close_follow_the_status_rules(primary, make_case):
    case = make_case(primary)
    assert operations.suspend(primary, case.pk).status == Status.SUSPENDED
    with pytest.raises(ValidationError, match="sospesa: non si può sospendere"):
        operations.suspend(primary, case.pk)
    assert operations.reopen(primary, case.pk).status == Status.OPEN
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        operations.close_case(primary, case.pk, "forgotten")
    assert refusal.value.message_dict == {"outcome": ["Scegli l'esito della presa in carico."]}
    assert counts() == before
    closed = operations.close_case(primary, case.pk, "referred")
    assert (closed.status, closed.outcome, closed.closed_at) == ("closed", "referred", TUESDAY_10)
    with pytest.raises(ValidationError, match="è chiusa"):
        _session(primary, case)
    reopened = operations.reopen(primary, case.pk)
    assert (reopened.status, reopened.outcome, reopened.closed_at) == ("open", "", None)


def test_a_case_at_high_risk_closes_only_once_the_protocol_is_documented(
    primary, make_coordinator, make_case, screen
):
    """Invariant 3 at case level."""
    from sportello.triage import operations as triage

    coordinator = make_coordinator()
    case = make_case(primary)
    contact = case.opened_from
    screen(primary, contact, "high")
    before = counts()
    with pytest.raises(ValidationError) as refusal:
        operations.close_case(primary, case.pk, "goals_reached")
    message = refusal.value.messages[0]
    assert contact.reference in message and "coordinatore informato" in message
    case.refresh_from_db()
    assert case.status == Status.OPEN and counts() == before

    triage.record_supervisor_informed(primary, contact.pk, supervisor_id=coordinator.pk)
    triage.schedule_follow_up(primary, contact.pk, due_at=rome(2026, 12, 1, 16, 0))
    triage.record_safety_plan(primary, contact.pk, note="Concordato chi chiamare di notte")
    assert operations.close_case(primary, case.pk, "goals_reached").status == Status.CLOSED


def test_a_later_contact_of_the_same_person_is_linked_once(
    primary, make_professional, held_contact, make_case
):
    case = make_case(primary)
    later = held_contact(primary)
    someone_elses = held_contact(make_professional("altra"))
    before = counts()
    with pytest.raises(ValidationError, match="gestito tu"):
        operations.link_contact(primary, case.pk, someone_elses.pk)
    with pytest.raises(ValidationError, match="già collegato"):
        operations.link_contact(primary, case.pk, case.opened_from_id)
    assert counts() == before
    operations.link_contact(primary, case.pk, later.pk)
    assert set(case.contacts.values_list("pk", flat=True)) == {case.opened_from_id, later.pk}
    other = make_case(primary)
    before = counts()
    with pytest.raises(ValidationError, match=case.reference) as refusal:
        operations.link_contact(primary, other.pk, later.pk)
    assert refusal.value.message_dict == {
        "contact": [
            f"Il contatto {later.reference} fa già parte della presa in carico {case.reference}."
        ]
    }
    assert counts() == before


def _closed(cast: Cast, held_contact) -> None:
    operations.close_case(cast.primary, cast.case.pk, "withdrew")


def _closed_with_a_later_contact(cast: Cast, held_contact) -> int:
    later = held_contact(cast.primary)
    _closed(cast, held_contact)
    return later.pk


def _withdrawn_consent(cast: Cast, held_contact) -> int:
    consent = operations.record_consent(
        cast.primary, cast.case.pk, given_how="written", given_at=TUESDAY_10
    )
    operations.withdraw_consent(cast.primary, cast.case.pk, consent.pk)
    return consent.pk


def _nothing(cast: Cast, held_contact) -> None:
    return None


@pytest.mark.parametrize(
    ("prepare", "act", "message"),
    [
        pytest.param(
            _nothing,
            lambda cast, _: operations.set_goals(
                cast.primary, cast.case.pk, "x" * (operations.MAX_GOALS + 1)
            ),
            "Gli obiettivi sono troppo lunghi (al massimo 5000 caratteri).",
            id="goals-too-long",
        ),
        pytest.param(
            _nothing,
            lambda cast, _: operations.save_section(
                cast.primary, cast.case.pk, {"target_group": "painful_events", "hobby": "calcio"}
            ),
            "Domande che questo servizio non prevede: hobby.",
            id="unknown-section-question",
        ),
        pytest.param(
            _nothing,
            lambda cast, _: operations.reopen(cast.primary, cast.case.pk),
            "La presa in carico {reference} è aperta: non si può riaprire.",
            id="reopen-an-open-case",
        ),
        pytest.param(
            _closed,
            lambda cast, _: operations.close_case(cast.primary, cast.case.pk, "referred"),
            "La presa in carico {reference} è chiusa: non si può chiudere.",
            id="close-a-closed-case",
        ),
        pytest.param(
            _closed,
            lambda cast, _: operations.assign(cast.coordinator, cast.case.pk, cast.outsider.pk),
            "La presa in carico {reference} è chiusa: riaprila per assegnarla.",
            id="assign-a-closed-case",
        ),
        pytest.param(
            _closed,
            lambda cast, _: operations.transfer(
                cast.primary, cast.case.pk, "victims", "Ha subito un furto in casa"
            ),
            "La presa in carico {reference} è chiusa: riaprila per trasferirla.",
            id="transfer-a-closed-case",
        ),
        pytest.param(
            _closed_with_a_later_contact,
            lambda cast, contact_id: operations.link_contact(
                cast.primary, cast.case.pk, contact_id
            ),
            "La presa in carico {reference} è chiusa: riaprila per collegare un contatto.",
            id="link-a-contact-to-a-closed-case",
        ),
        pytest.param(
            _closed,
            lambda cast, _: operations.save_section(
                cast.primary, cast.case.pk, {"target_group": "painful_events"}
            ),
            "La presa in carico {reference} è chiusa: "
            "riaprila per aggiornare la sezione del servizio.",
            id="save-the-section-of-a-closed-case",
        ),
        pytest.param(
            _closed,
            lambda cast, _: operations.record_consent(
                cast.primary, cast.case.pk, given_how="written", given_at=TUESDAY_10
            ),
            "La presa in carico {reference} è chiusa: riaprila per registrare il consenso.",
            id="record-consent-on-a-closed-case",
        ),
        pytest.param(
            _withdrawn_consent,
            lambda cast, consent_id: operations.withdraw_consent(
                cast.primary, cast.case.pk, consent_id
            ),
            "Questo consenso è già stato revocato il 01/12/2026.",
            id="withdraw-a-consent-twice",
        ),
    ],
)
def test_a_refused_operation_says_why_and_writes_nothing(cast, held_contact, prepare, act, message):
    prepared = prepare(cast, held_contact)

    def state() -> tuple[object, ...]:
        case = Case.objects.filter(pk=cast.case.pk)
        return (
            counts(),
            case.values_list(
                "status", "outcome", "closed_at", "service_id", "primary_professional_id", "goals"
            ).get(),
            list(
                Consent.objects.filter(case_id=cast.case.pk)
                .order_by("pk")
                .values_list("pk", "withdrawn_at", "withdrawal_recorded_by")
            ),
        )

    before = state()
    with pytest.raises(ValidationError) as refusal:
        act(cast, prepared)
    assert refusal.value.messages == [message.format(reference=cast.case.reference)]
    assert state() == before
