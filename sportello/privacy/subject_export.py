"""The answer to a right-of-access request (Art. 15 GDPR): everything held on a person, as
machine-readable JSON and as a readable PDF in Italian.

Both are built from the same rows (sportello.privacy.person_records), field by field, so that a
column added to a record reaches the export without anyone remembering to add it. Left out are
only the desk's own keys and hashes (signed-link keys, video rooms, lookup hashes, the logs'
chain hashes), which say nothing about the person and would open doors if they leaked, and the
staff's own network data in the access log. Producing an export decrypts health data: each
case exported leaves an "export" row in the access log."""

import datetime
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from fpdf import FPDF

from sportello.accounts.models import User
from sportello.cases.referral_letter import FAMILY, FONTS
from sportello.field_encryption import EncryptedTextField
from sportello.privacy.models import AccessAction, LegalHold
from sportello.privacy.operations import record_access
from sportello.privacy.person_records import PersonRecords, records_about
from sportello.services import queries as catalogue

logging.getLogger("fontTools").setLevel(logging.WARNING)

FORMAT = "sportello-subject-access/1"

# Keys and hashes of the desk, not data about the person (see the module's docstring).
LEFT_OUT = frozenset(
    {
        "name_lookup",
        "caller_number_lookup",
        "key",
        "room",
        "dedup_key",
        "prev_hash",
        "row_hash",
        "group_key",
        "email_sent_for",
        "ip_address",
        "user_agent",
        "path",
    }
)
# Held for a judicial authority or a pending complaint: the hold's existence is told, not why.
LEFT_OUT_BY_MODEL: dict[type[models.Model], frozenset[str]] = {LegalHold: frozenset({"reason"})}
# Encrypted text that holds a JSON document: exported as the document, not as a string.
JSON_TEXT = frozenset({"answers", "findings", "letter_body"})
# The record a row hangs from: implied by where it sits in the export, not repeated in the PDF.
PARENTS = frozenset({"case", "contact", "appointment", "offer", "person", "alert"})
# Labels for the fields the models leave without an Italian name.
FALLBACK_LABELS = {
    "id": gettext_lazy("identificativo"),
    "by": gettext_lazy("da"),
    "user": gettext_lazy("utente"),
    "actor": gettext_lazy("autore"),
    "actor_label": gettext_lazy("autore (nome)"),
    "from_status": gettext_lazy("stato precedente"),
    "to_status": gettext_lazy("nuovo stato"),
    "detail": gettext_lazy("dettagli"),
    "recorded_by": gettext_lazy("registrato da"),
    "created_by": gettext_lazy("creato da"),
    "done_by": gettext_lazy("svolto da"),
    "booked_by": gettext_lazy("prenotato da"),
    "cancelled_by": gettext_lazy("annullato da"),
    "cancelled_by_citizen": gettext_lazy("annullato dalla persona"),
    "outcome_recorded_by": gettext_lazy("esito registrato da"),
    "rescheduled_from": gettext_lazy("spostato dall'appuntamento"),
    "replaces": gettext_lazy("sostituisce l'appuntamento"),
    "chosen": gettext_lazy("appuntamento scelto"),
    "professional": gettext_lazy("professionista"),
    "screening": gettext_lazy("valutazione del rischio"),
    "follow_up": gettext_lazy("ricontatto"),
    "lead_minutes": gettext_lazy("minuti di anticipo"),
    "gateway_reference": gettext_lazy("riferimento dell'invio"),
    "service": gettext_lazy("servizio"),
    "recipient": gettext_lazy("destinatario"),
    "placed_by": gettext_lazy("disposto da"),
    "lifted_by": gettext_lazy("revocato da"),
    "request": gettext_lazy("richiesta"),
}


def _local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(catalogue.desk_zone())


def _identifier(related: models.Model) -> Any:
    """How a linked row is named: staff by username, catalogue entries by code, the rest by
    their number (a directory service by its name: it has no code)."""
    if isinstance(related, User):
        return related.get_username()
    names = {f.name for f in related._meta.concrete_fields}
    if "code" in names:
        return related.code  # type: ignore[attr-defined]
    if related._meta.label_lower == "directory.service":
        return related.name  # type: ignore[attr-defined]
    return related.pk


def _fields(instance: models.Model) -> Iterator[models.Field]:  # type: ignore[type-arg]
    skipped = LEFT_OUT | LEFT_OUT_BY_MODEL.get(type(instance), frozenset())
    for model_field in instance._meta.concrete_fields:
        if model_field.name not in skipped:
            yield model_field
    for model_field in instance._meta.many_to_many:
        yield model_field


def _json_value(instance: models.Model, model_field: models.Field) -> Any:  # type: ignore[type-arg]
    if model_field.many_to_many:
        related = getattr(instance, model_field.name).all()
        return sorted((_identifier(row) for row in related), key=str)
    if model_field.is_relation:
        if getattr(instance, model_field.attname) is None:
            return None
        return _identifier(getattr(instance, model_field.name))
    value = getattr(instance, model_field.attname)
    if isinstance(value, datetime.datetime):
        return _local(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(model_field, EncryptedTextField) and model_field.name in JSON_TEXT and value:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, str | int | float | bool | dict | list) or value is None:
        return value
    return str(value)


def record(instance: models.Model) -> dict[str, Any]:
    """One row as JSON: every field under its name, in the model's order."""
    return {
        model_field.name: _json_value(instance, model_field) for model_field in _fields(instance)
    }


def document(records: PersonRecords, *, reference: str, produced_at: datetime.datetime) -> dict:  # type: ignore[type-arg]
    """The export as one JSON document with stable keys."""
    organisation = catalogue.current_organisation()
    return {
        "format": FORMAT,
        "request": reference,
        "produced_at": _local(produced_at).isoformat(),
        "controller": organisation.name_it if organisation else "",
        "person": record(records.person),
        "cases": [
            {
                "case": record(case.case),
                "sections": [record(row) for row in case.sections],
                "sessions": [record(row) for row in case.sessions],
                "consents": [record(row) for row in case.consents],
                "transfers": [record(row) for row in case.transfers],
                "referrals": [record(row) for row in case.referrals],
                "break_glass_grants": [record(row) for row in case.break_glass_grants],
                "appointments": [
                    {
                        "appointment": record(item.appointment),
                        "messages": [record(row) for row in item.messages],
                    }
                    for item in case.appointments
                ],
                "slot_offers": [
                    {
                        "offer": record(item.offer),
                        "slots": [record(row) for row in item.slots],
                        "messages": [record(row) for row in item.messages],
                    }
                    for item in case.slot_offers
                ],
            }
            for case in records.cases
        ],
        "contacts": [
            {
                "contact": record(contact.contact),
                "callback_windows": [record(row) for row in contact.windows],
                "call_attempts": [record(row) for row in contact.attempts],
                "screenings": [record(row) for row in contact.screenings],
                "follow_ups": [record(row) for row in contact.follow_ups],
                "protocol_actions": [record(row) for row in contact.protocol_actions],
                "escalations": [record(row) for row in contact.escalations],
                "events": [record(row) for row in contact.events],
            }
            for contact in records.contacts
        ],
        "access_log": [record(row) for row in records.access_log],
        "audit_events": [record(row) for row in records.audit_events],
        "alerts": [record(row) for row in records.alerts],
        "data_subject_requests": [record(row) for row in records.data_subject_requests],
        "restrictions": [record(row) for row in records.restrictions],
        "legal_holds": [record(row) for row in records.legal_holds],
    }


# The readable PDF ---------------------------------------------------------------------------


def _label(model_field: models.Field) -> str:  # type: ignore[type-arg]
    default = model_field.name.replace("_", " ")
    if str(model_field.verbose_name) == default and model_field.name in FALLBACK_LABELS:
        return str(FALLBACK_LABELS[model_field.name])
    return str(model_field.verbose_name)


def _display_plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("sì") if value else _("no")
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_display_plain(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_display_plain(item) for item in value)
    return str(value)


def _display(instance: models.Model, model_field: models.Field) -> str:  # type: ignore[type-arg]
    if not model_field.many_to_many and not model_field.is_relation:
        value = getattr(instance, model_field.attname)
        if model_field.choices and value not in (None, ""):
            return str(getattr(instance, f"get_{model_field.name}_display")())
        if isinstance(value, datetime.datetime):
            return f"{_local(value):%d/%m/%Y %H:%M}"
        if isinstance(value, datetime.date):
            return f"{value:%d/%m/%Y}"
    return _display_plain(_json_value(instance, model_field))


def lines_of(instance: models.Model) -> list[tuple[str, str]]:
    """(label, value) of a row as the PDF prints it: empty fields and parent links left out."""
    lines = []
    for model_field in _fields(instance):
        if model_field.name in PARENTS or model_field.name == "id":
            continue
        shown = _display(instance, model_field)
        if shown in ("", "None", "[]"):
            continue
        lines.append((_label(model_field), shown))
    return lines


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def para(self, content: str, *, size: int = 10, bold: bool = False, after: float = 1) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, content, new_x="LMARGIN", new_y="NEXT")
        self.ln(after)

    def heading(self, content: str, level: int = 1) -> None:
        self.ln(2)
        self.para(content, size={1: 14, 2: 12, 3: 11}.get(level, 10), bold=True)

    def rows(self, title: str, rows: list[models.Model]) -> None:
        if not rows:
            return
        self.para(title, size=11, bold=True)
        for row in rows:
            self.item(row)

    def item(self, row: models.Model) -> None:
        self.para(f"{row._meta.verbose_name} n. {row.pk}", size=10, bold=True, after=0)
        for label, value in lines_of(row):
            self.para(f"{label}: {value}", size=9, after=0)
        self.ln(2)


def _pdf(records: PersonRecords, *, reference: str, produced_at: datetime.datetime) -> bytes:
    organisation = catalogue.current_organisation()
    pdf = _Document()
    pdf.set_title(
        _("Dati personali: richiesta di accesso %(reference)s") % {"reference": reference}
    )
    if organisation:
        pdf.set_author(organisation.name_it)
    pdf.add_page()
    if organisation:
        pdf.para(organisation.name_it, size=13, bold=True, after=0)
        if organisation.department_it:
            pdf.para(organisation.department_it, after=3)
    pdf.heading(_("Copia dei dati personali (art. 15 GDPR)"))
    pdf.para(
        _(
            "Risposta alla richiesta di accesso %(reference)s, prodotta il %(when)s. Contiene "
            "tutti i dati che lo sportello conserva sulla persona indicata, compresi gli accessi "
            "del personale ai suoi dati."
        )
        % {"reference": reference, "when": f"{_local(produced_at):%d/%m/%Y %H:%M}"},
        after=3,
    )
    pdf.heading(_("Persona"), 2)
    pdf.item(records.person)
    for case in records.cases:
        pdf.heading(_("Presa in carico %(reference)s") % {"reference": case.case.reference}, 2)
        pdf.item(case.case)
        pdf.rows(_("Sezione del servizio"), list(case.sections))
        pdf.rows(_("Colloqui"), list(case.sessions))
        pdf.rows(_("Consensi informati"), list(case.consents))
        pdf.rows(_("Trasferimenti"), list(case.transfers))
        pdf.rows(_("Invii ai servizi"), list(case.referrals))
        pdf.rows(_("Accessi eccezionali"), list(case.break_glass_grants))
        pdf.rows(_("Appuntamenti"), [item.appointment for item in case.appointments])
        pdf.rows(_("Proposte di orari"), [item.offer for item in case.slot_offers])
        pdf.rows(_("Orari proposti"), [slot for item in case.slot_offers for slot in item.slots])
        messages = [m for item in case.appointments for m in item.messages]
        messages += [m for item in case.slot_offers for m in item.messages]
        pdf.rows(_("Messaggi inviati"), messages)
    for contact in records.contacts:
        pdf.heading(_("Contatto %(reference)s") % {"reference": contact.contact.reference}, 2)
        pdf.item(contact.contact)
        pdf.rows(_("Orari di richiamata indicati"), list(contact.windows))
        pdf.rows(_("Tentativi di richiamata"), list(contact.attempts))
        pdf.rows(_("Valutazioni del rischio"), list(contact.screenings))
        pdf.rows(_("Ricontatti"), list(contact.follow_ups))
        pdf.rows(_("Azioni del protocollo di sicurezza"), list(contact.protocol_actions))
        pdf.rows(_("Segnalazioni ai coordinatori"), list(contact.escalations))
        pdf.rows(_("Storia del contatto"), list(contact.events))
    pdf.heading(_("Chi ha letto e chi ha modificato i dati"), 2)
    if not records.access_log:
        pdf.para(_("Nessun accesso registrato."))
    pdf.rows(_("Registro degli accessi"), list(records.access_log))
    pdf.rows(_("Registro delle modifiche"), list(records.audit_events))
    pdf.rows(_("Avvisi al personale"), list(records.alerts))
    pdf.heading(_("Richieste, limitazioni e vincoli"), 2)
    pdf.rows(_("Richieste dell'interessato"), list(records.data_subject_requests))
    pdf.rows(_("Limitazioni del trattamento"), list(records.restrictions))
    pdf.rows(_("Vincoli di conservazione"), list(records.legal_holds))
    return bytes(pdf.output())


@dataclass(frozen=True)
class SubjectExport:
    reference: str
    records: PersonRecords
    produced_at: datetime.datetime

    @property
    def document(self) -> dict:  # type: ignore[type-arg]
        return document(self.records, reference=self.reference, produced_at=self.produced_at)

    def json_bytes(self) -> bytes:
        return json.dumps(self.document, ensure_ascii=False, indent=2, sort_keys=False).encode()

    def pdf_bytes(self) -> bytes:
        # In Italian whatever the DPO's language: it goes to the person as the desk's answer.
        with override("it"):
            return _pdf(self.records, reference=self.reference, produced_at=self.produced_at)

    def filename(self, extension: str) -> str:
        return f"{self.reference}-{self.records.person.pseudonym}.{extension}"


@transaction.atomic
def export_person(
    person: Any, *, by: User, reference: str, http_request: HttpRequest | None = None
) -> SubjectExport:
    """Gather the person's records and log the read: one "export" row per case, or one for the
    person when they have no case, with the request's reference as the purpose."""
    records = records_about(person)
    purpose = _("richiesta di accesso %(reference)s") % {"reference": reference}
    for case in records.cases:
        record_access(
            http_request,
            by,
            object_type="case",
            object_id=case.case.pk,
            case_id=case.case.pk,
            purpose=purpose,
            action=AccessAction.EXPORT,
        )
    if not records.cases:
        record_access(
            http_request,
            by,
            object_type="person",
            object_id=records.person.pk,
            purpose=purpose,
            action=AccessAction.EXPORT,
        )
    return SubjectExport(reference=reference, records=records, produced_at=catalogue.now())
