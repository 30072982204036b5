"""The records of processing (registro dei trattamenti, Art. 30 GDPR) of the help desk: the
entries every installation starts with, the DPO's edits, and the register as CSV and PDF.

The entries are data: the DPO adapts them when the desk changes (a new processor, another
retention period) and the change is dated and signed. What ensure_desk_records() writes is the
desk as this software runs it; an entry already present is never overwritten."""

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from sportello.accounts.models import User
from sportello.cases.referral_letter import FAMILY, FONTS
from sportello.privacy import policies
from sportello.privacy.models import ProcessingActivity
from sportello.privacy.operations import record_audit
from sportello.services import queries as catalogue
from sportello.services.models import Organisation

# What the DPO edits; the code and the order stay as the desk set them.
EDITABLE_FIELDS = (
    "name",
    "purpose",
    "legal_basis",
    "data_subjects",
    "data_categories",
    "special_categories",
    "recipients",
    "transfers",
    "retention",
    "security_measures",
    "controller",
    "processors",
)
# In the exports, after the name: every field the register shows, in the order of Art. 30(1).
EXPORTED_FIELDS = (
    "controller",
    "purpose",
    "legal_basis",
    "data_subjects",
    "data_categories",
    "special_categories",
    "recipients",
    "transfers",
    "retention",
    "security_measures",
    "processors",
)

NO_TRANSFERS = (
    "Nessun trasferimento verso paesi terzi o organizzazioni internazionali: i dati sono "
    "conservati su server nell'Unione europea."
)
STAFF_ONLY = (
    "Accesso consentito solo al personale autenticato (con secondo fattore) e secondo ruolo e "
    "assegnazione; ogni lettura dei dati sanitari è scritta nel registro degli accessi a catena "
    "di hash; testi liberi e recapiti cifrati a riposo; connessioni cifrate (TLS); copie di "
    "sicurezza cifrate; formazione e nomina degli autorizzati (art. 2-quaterdecies D.Lgs. "
    "196/2003)."
)
HEALTH_BASIS = (
    "Art. 6, par. 1, lett. e) GDPR (esecuzione di un compito di interesse pubblico: il sostegno "
    "psicologico alla cittadinanza nell'emergenza, affidato al Comune); art. 9, par. 2, lett. h) "
    "e par. 3 GDPR (assistenza sanitaria e sociale prestata da professionisti tenuti al segreto "
    "professionale); art. 2-sexies D.Lgs. 196/2003 (trattamenti necessari per motivi di "
    "interesse pubblico rilevante)."
)
HOSTING = "Fornitore dell'infrastruttura di hosting e delle copie di sicurezza"


@dataclass(frozen=True)
class DeskRecord:
    code: str
    name: str
    purpose: str
    legal_basis: str
    data_subjects: str
    data_categories: str
    special_categories: bool
    recipients: str
    retention: str
    security_measures: str
    processors: str
    transfers: str = NO_TRANSFERS


DESK_RECORDS: tuple[DeskRecord, ...] = (
    DeskRecord(
        code="contact-centre",
        name="Contact centre e accoglienza delle richieste",
        purpose=(
            "Ricevere le chiamate passate dal centralino 020202 e le richieste di richiamata o di "
            "videochiamata fatte dal sito; registrare il contatto, tenerlo in coda fino a quando "
            "un professionista lo prende in carico, ritentare la richiamata, orientare la persona "
            "al servizio competente e, fuori orario, indicarle orari e numeri di emergenza."
        ),
        legal_basis=HEALTH_BASIS,
        data_subjects=(
            "Persone che si rivolgono allo sportello, anche in forma anonima; familiari o terzi "
            "che chiamano per conto di una persona in difficoltà."
        ),
        data_categories=(
            "Numero di telefono del chiamante (se comunicato), data e ora, canale, servizio "
            "richiesto, lingua, motivo del contatto in breve, esito della chiamata e dei "
            "tentativi di richiamata; dati relativi alla salute che la persona riferisce "
            "(malessere, pericolo immediato)."
        ),
        special_categories=True,
        recipients=(
            "Operatori del centralino, professionisti e coordinatori dello sportello autorizzati; "
            "servizi di emergenza (112, 1522) quando c'è pericolo per la vita o l'incolumità."
        ),
        retention=(
            "12 mesi dalla chiusura del contatto quando non segue una presa in carico, poi "
            "cancellazione dei recapiti e pseudonimizzazione; con una presa in carico, come la "
            "cartella."
        ),
        security_measures=STAFF_ONLY,
        processors=(
            "Gestore della telefonia del centralino comunale (passaggio delle chiamate); "
            f"{HOSTING.lower()}; nominati responsabili ai sensi dell'art. 28 GDPR."
        ),
    ),
    DeskRecord(
        code="risk-and-case-record",
        name="Valutazione del rischio e cartella della presa in carico",
        purpose=(
            "Valutare il rischio (suicidario, di agiti auto o eteroaggressivi) con il protocollo "
            "di sicurezza, decidere le azioni urgenti e i richiami; aprire e tenere la cartella "
            "della presa in carico: obiettivi, colloqui, note cliniche, consenso informato, "
            "esito."
        ),
        legal_basis=HEALTH_BASIS,
        data_subjects="Persone prese in carico dallo sportello, anche in forma anonima.",
        data_categories=(
            "Pseudonimo; se la persona lo consente nome e cognome, anno di nascita, municipio, "
            "lingua, telefono ed e-mail; dati relativi alla salute: risposte al protocollo di "
            "rischio, livello di rischio, gruppo di destinatari, motivi, obiettivi, note dei "
            "colloqui, esito; eventualmente dati relativi a reati subiti o commessi (servizi per "
            "le vittime e presidio criminologico, art. 10 GDPR e art. 2-octies D.Lgs. 196/2003)."
        ),
        special_categories=True,
        recipients=(
            "Professionisti assegnati alla presa in carico e coordinatori del servizio; altri "
            "professionisti solo con accesso eccezionale motivato e registrato; autorità "
            "giudiziaria su richiesta nei casi previsti dalla legge."
        ),
        retention=(
            "5 anni dalla chiusura della presa in carico (art. 17 del Codice deontologico degli "
            "psicologi italiani), salvo vincoli di conservazione disposti dall'autorità "
            "giudiziaria; poi cancellazione o pseudonimizzazione a soli fini statistici."
        ),
        security_measures=STAFF_ONLY
        + " Note cliniche mai visibili al DPO né alla direzione; accessi eccezionali segnalati "
        "ai coordinatori.",
        processors=f"{HOSTING}, nominato responsabile ai sensi dell'art. 28 GDPR.",
    ),
    DeskRecord(
        code="remote-sessions",
        name="Colloqui di sostegno al telefono e in videochiamata",
        purpose=(
            "Tenere i colloqui di sostegno psicologico e di orientamento a distanza, al telefono "
            "o in videochiamata, durante l'emergenza (nessun incontro in presenza)."
        ),
        legal_basis=HEALTH_BASIS,
        data_subjects="Persone prese in carico; eventuali familiari presenti al colloquio.",
        data_categories=(
            "Data, ora, durata e modalità del colloquio, partecipanti, link della stanza video "
            "(valido solo per quell'appuntamento); contenuto del colloquio solo nelle note "
            "cifrate della cartella. I colloqui non sono registrati."
        ),
        special_categories=True,
        recipients="Professionisti che tengono il colloquio.",
        retention=(
            "Come la cartella della presa in carico; il link della stanza video scade a fine "
            "colloquio."
        ),
        security_measures=STAFF_ONLY
        + " Stanze video con nome casuale e accesso riservato, nessuna registrazione audio o "
        "video.",
        processors=(
            "Fornitore del servizio di videochiamata e gestore telefonico, nominati responsabili "
            "ai sensi dell'art. 28 GDPR."
        ),
    ),
    DeskRecord(
        code="referrals",
        name="Invii ai servizi territoriali",
        purpose=(
            "Inviare la persona che lo chiede ai servizi competenti della rete territoriale "
            "(centri psico-sociali, consultori, centri antiviolenza, servizi sociali dei "
            "municipi, servizi per le dipendenze) e seguirne l'esito."
        ),
        legal_basis=(
            HEALTH_BASIS + " Consenso della persona, per ogni invio, su quali dati comunicare "
            "al servizio (art. 9, par. 2, lett. a) GDPR)."
        ),
        data_subjects="Persone prese in carico inviate a un servizio della rete.",
        data_categories=(
            "Solo quanto la persona acconsente a condividere: identità, recapiti, motivo "
            "dell'invio, livello di rischio, sintesi del percorso; servizio destinatario, "
            "urgenza, esito dell'invio."
        ),
        special_categories=True,
        recipients="Il servizio territoriale destinatario dell'invio.",
        retention="Come la cartella della presa in carico.",
        security_measures=STAFF_ONLY
        + " Lettera di invio generata con i soli dati acconsentiti e inviata per posta "
        "elettronica certificata o consegnata alla persona.",
        processors=(
            "Gestore della posta elettronica certificata; "
            f"{HOSTING.lower()}; nominati responsabili ai sensi dell'art. 28 GDPR."
        ),
    ),
    DeskRecord(
        code="staff-rota",
        name="Piano turni e gestione del personale dello sportello",
        purpose=(
            "Pianificare i turni fissi coprendo le competenze richieste dai servizi, gestire "
            "preferenze, assenze, sostituzioni e cambi turno; abilitare e revocare gli accessi "
            "del personale."
        ),
        legal_basis=(
            "Art. 6, par. 1, lett. b) e c) GDPR (rapporto di lavoro o di incarico e obblighi di "
            "legge); art. 9, par. 2, lett. b) GDPR e art. 88 GDPR per le assenze per malattia; "
            "art. 2-sexies e art. 113 D.Lgs. 196/2003; D.Lgs. 81/2008."
        ),
        data_subjects=(
            "Dipendenti e professionisti incaricati dello sportello; coordinatori; DPO."
        ),
        data_categories=(
            "Nome, cognome, nome utente, ruolo, professione, competenze, lingue, servizi; "
            "contratto orario, preferenze e indisponibilità, turni assegnati, assenze (senza "
            "diagnosi), sostituzioni; e-mail di lavoro."
        ),
        special_categories=True,
        recipients=(
            "Coordinatori dello sportello; ufficio del personale del Comune per le presenze."
        ),
        retention=(
            "Piano turni e assenze: 5 anni dalla fine dell'anno di riferimento; dati "
            "dell'account: fino a 12 mesi dalla cessazione dell'incarico."
        ),
        security_measures=(
            "Accesso secondo ruolo; ciascuno vede i propri turni e le proprie assenze; le "
            "modifiche al piano sono scritte nel registro delle modifiche."
        ),
        processors=f"{HOSTING}, nominato responsabile ai sensi dell'art. 28 GDPR.",
    ),
    DeskRecord(
        code="appointments-reminders",
        name="Appuntamenti e promemoria via SMS ed e-mail",
        purpose=(
            "Fissare gli appuntamenti per i colloqui e inviare conferme e promemoria, solo alle "
            "persone che possono riceverli in sicurezza e non li hanno rifiutati."
        ),
        legal_basis=HEALTH_BASIS,
        data_subjects="Persone prese in carico che hanno un appuntamento.",
        data_categories=(
            "Numero di cellulare o e-mail, data e ora dell'appuntamento, modalità, link per "
            "confermare, spostare o entrare nella videochiamata. I messaggi non nominano lo "
            "sportello né il motivo del colloquio."
        ),
        special_categories=True,
        recipients="Professionisti assegnati; la persona stessa.",
        retention=("Appuntamenti come la cartella; esito dell'invio dei messaggi 12 mesi."),
        security_measures=STAFF_ONLY
        + " Link personali non indovinabili, validi solo fino all'appuntamento.",
        processors=(
            "Fornitore del servizio di invio SMS e gestore della posta elettronica, nominati "
            "responsabili ai sensi dell'art. 28 GDPR."
        ),
    ),
    DeskRecord(
        code="statistics-open-data",
        name="Statistiche e dati aperti (in forma aggregata)",
        purpose=(
            "Misurare l'attività dello sportello per la direzione (contatti, attese, esiti, "
            "invii, copertura dei turni) e pubblicare ogni mese i dati aperti del servizio."
        ),
        legal_basis=(
            "Art. 6, par. 1, lett. e) GDPR; art. 89 GDPR e art. 2-sexies D.Lgs. 196/2003 "
            "(trattamento a fini statistici); D.Lgs. 33/2013 e D.Lgs. 36/2006 per i dati aperti."
        ),
        data_subjects=(
            "Persone che contattano lo sportello e personale, solo attraverso conteggi aggregati."
        ),
        data_categories=(
            "Solo conteggi per giorno, servizio, canale, gruppo di destinatari, motivo, livello "
            "di rischio, esito: nessun identificativo, nessun testo libero."
        ),
        special_categories=False,
        recipients=(
            "Direzione del dipartimento; chiunque, per i dati aperti pubblicati sul portale del "
            "Comune."
        ),
        retention=("Tabelle aggregate conservate senza limite: non contengono dati personali."),
        security_measures=(
            "Soppressione dei conteggi inferiori alla soglia (almeno 5) e soppressione "
            "secondaria, così che nessun valore nascosto si possa ricalcolare dai totali; ogni "
            "tabella che esce dal sistema passa da questo controllo."
        ),
        processors=f"{HOSTING}, nominato responsabile ai sensi dell'art. 28 GDPR.",
    ),
    DeskRecord(
        code="access-and-audit-log",
        name="Registro degli accessi e delle modifiche (sicurezza)",
        purpose=(
            "Sapere chi ha letto o modificato quali dati sanitari, quando e perché; scoprire "
            "accessi indebiti, rispondere alle richieste degli interessati e all'autorità di "
            "controllo."
        ),
        legal_basis=(
            "Art. 6, par. 1, lett. c) GDPR e art. 32 GDPR (sicurezza del trattamento); art. 5, "
            "par. 2 GDPR (responsabilizzazione); Linee guida del Garante in materia di dossier "
            "sanitario (4 giugno 2015)."
        ),
        data_subjects=(
            "Personale dello sportello; indirettamente le persone assistite, solo tramite il "
            "numero della presa in carico o del contatto."
        ),
        data_categories=(
            "Nome utente e ruoli, data e ora, azione, tipo e numero del dato letto, finalità, "
            "indirizzo IP, browser, pagina; mai il contenuto letto."
        ),
        special_categories=False,
        recipients=(
            "DPO e coordinatori (consultazione); autorità giudiziaria e Garante su richiesta."
        ),
        retention=("24 mesi dalla registrazione (Linee guida del Garante sul dossier sanitario)."),
        security_measures=(
            "Registro solo in aggiunta: il database rifiuta modifiche e cancellazioni e una "
            "catena di hash rivela ogni alterazione, verificata dal DPO dalla console e con il "
            "comando verify_access_log; ogni esportazione del registro è a sua volta registrata."
        ),
        processors=f"{HOSTING}, nominato responsabile ai sensi dell'art. 28 GDPR.",
    ),
)


def _controller() -> str:
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        return "Titolare del trattamento: da completare"
    name = organisation.name_it
    if organisation.department_it:
        name = f"{name} – {organisation.department_it}"
    return name


@transaction.atomic
def ensure_desk_records() -> int:
    """Create the desk's entries that are missing (by code); returns how many were created."""
    present = set(ProcessingActivity.objects.values_list("code", flat=True))
    controller = _controller()
    at = catalogue.now()
    created = 0
    for position, record in enumerate(DESK_RECORDS, start=1):
        if record.code in present:
            continue
        ProcessingActivity.objects.create(
            code=record.code,
            name=record.name,
            purpose=record.purpose,
            legal_basis=record.legal_basis,
            data_subjects=record.data_subjects,
            data_categories=record.data_categories,
            special_categories=record.special_categories,
            recipients=record.recipients,
            transfers=record.transfers,
            retention=record.retention,
            security_measures=record.security_measures,
            controller=controller,
            processors=record.processors,
            position=position * 10,
            updated_at=at,
        )
        created += 1
    return created


def processing_records() -> list[ProcessingActivity]:
    return list(ProcessingActivity.objects.select_related("updated_by"))


@transaction.atomic
def update_processing_activity(
    user: User, activity_id: int, changes: dict[str, Any]
) -> ProcessingActivity:
    """The DPO's edit of one entry, dated and signed; an invalid entry raises ValidationError
    (in Italian, by field) and changes nothing. Returns the entry, unchanged if nothing was."""
    if not policies.is_data_protection_officer(user):
        raise PermissionDenied
    activity = ProcessingActivity.objects.select_for_update().get(pk=activity_id)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = []
    for name, value in changes.items():
        cleaned = value.strip() if isinstance(value, str) else value
        if getattr(activity, name) != cleaned:
            setattr(activity, name, cleaned)
            changed.append(name)
    if not changed:
        return activity
    errors: dict[str, list[str]] = {}
    for name in changed:
        field = ProcessingActivity._meta.get_field(name)
        if not field.blank and getattr(activity, name) == "":
            errors[name] = [
                _("Il campo «%(what)s» non può essere vuoto.") % {"what": field.verbose_name}
            ]
    if errors:
        raise ValidationError(errors)
    activity.full_clean(exclude=["updated_by"])
    activity.updated_at = catalogue.now()
    activity.updated_by = user
    activity.save()
    record_audit(
        user,
        object_type="processing_activity",
        object_id=activity.pk,
        action="updated",
        code=activity.code,
        fields=sorted(changed),
    )
    return activity


# The exports: Italian whatever the DPO's language, as the register is a legal document.


def _labels() -> dict[str, str]:
    return {
        name: str(ProcessingActivity._meta.get_field(name).verbose_name)
        for name in ("code", "name", *EXPORTED_FIELDS, "updated_at", "updated_by")
    }


def _value(activity: ProcessingActivity, name: str) -> str:
    value = getattr(activity, name)
    if name == "special_categories":
        return _("sì") if value else _("no")
    if name == "updated_at":
        return timezone.localtime(value, catalogue.desk_zone()).strftime("%d/%m/%Y %H:%M")
    if name == "updated_by":
        return value.get_username() if value is not None else _("installazione iniziale")
    return str(value or "—")


def records_csv() -> bytes:
    """The register as CSV, UTF-8, one entry a line, Italian headers."""
    columns = ("code", "name", *EXPORTED_FIELDS, "updated_at", "updated_by")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with override("it"):
        labels = _labels()
        writer.writerow([labels[name].capitalize() for name in columns])
        for activity in processing_records():
            writer.writerow([_value(activity, name) for name in columns])
    return buffer.getvalue().encode("utf-8")


class _Register(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def paragraph(
        self, text: str, *, size: int = 10, bold: bool = False, after: float = 1.5
    ) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(after)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 6, _("Pagina %(n)d") % {"n": self.page_no()}, align="C")


def records_pdf() -> bytes:
    with override("it"):
        return _render_pdf()


def _render_pdf() -> bytes:
    activities = processing_records()
    labels = _labels()
    today = timezone.localtime(catalogue.now(), catalogue.desk_zone())
    pdf = _Register()
    title = _("Registro delle attività di trattamento")
    pdf.set_title(title)
    pdf.set_author(_controller())
    pdf.add_page()
    pdf.paragraph(title, size=15, bold=True, after=0)
    pdf.paragraph(_("Art. 30, par. 1, Regolamento (UE) 2016/679"), size=9, after=2)
    pdf.paragraph(_controller(), bold=True, after=0)
    pdf.paragraph(
        _("Sportello emergenze psicologiche e relazionali · estratto il %(date)s")
        % {"date": today.strftime("%d/%m/%Y")},
        size=9,
        after=6,
    )
    for number, activity in enumerate(activities, start=1):
        pdf.paragraph(f"{number}. {activity.name}", size=12, bold=True, after=2)
        for name in EXPORTED_FIELDS:
            pdf.paragraph(labels[name].capitalize(), size=9, bold=True, after=0)
            pdf.paragraph(_value(activity, name), after=2)
        pdf.paragraph(
            _("Aggiornato il %(when)s da %(who)s · codice %(code)s")
            % {
                "when": _value(activity, "updated_at"),
                "who": _value(activity, "updated_by"),
                "code": activity.code,
            },
            size=8,
            after=6,
        )
    return bytes(pdf.output())
