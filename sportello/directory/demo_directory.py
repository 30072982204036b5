"""Milan's territorial network as SAMPLE data for the demo: the kinds of services the desk refers
to (centri psico-sociali, consultori familiari, centri antiviolenza, SerD, the social services of
the nine Municipi, victim support, legal aid) and the department's own four services.

Every organization and service is marked ``is_sample`` and says it must be checked before use:
names follow the real network's pattern, but addresses, phones and hours are invented
(phones in the never-assigned 02 0000 range). Identifiers are fixed (UUID5), so loading twice
adds nothing and an HSDS export of the demo is the same every time."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from sportello.accounts.models import Language
from sportello.directory.models import Organization, Service, TaxonomyTerm
from sportello.directory.needs import install_needs
from sportello.directory.operations import (
    AreaData,
    LocationData,
    PhoneData,
    ScheduleData,
    ServiceData,
    write_service,
)
from sportello.services import queries as catalogue
from sportello.services.models import Service as DeskService

NAMESPACE = uuid.UUID("6f1d3c52-8d0e-4b8f-9a57-0c3a1f6e2b10")
SAMPLE_NOTE = "Dato di esempio da verificare prima dell'uso."

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
MON_SAT = (*WEEKDAYS, "SA")


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def hours(days: tuple[str, ...], opens: str, closes: str, note: str = "") -> ScheduleData:
    return ScheduleData(
        byday=days, opens_at=_time(opens), closes_at=_time(closes), description=note
    )


@dataclass(frozen=True)
class SampleOrganization:
    key: str
    name: str
    description: str
    website: str = ""


@dataclass(frozen=True)
class SampleService:
    key: str
    organization: str
    name: str
    description: str
    needs: tuple[str, ...]
    address: str = ""
    postal_code: str = ""
    municipio: int | None = None
    areas: tuple[int | None, ...] = (None,)  # None: the whole city
    schedules: tuple[ScheduleData, ...] = ()
    phones: tuple[tuple[str, str], ...] = ()
    languages: tuple[str, ...] = ("it",)
    email: str = ""
    pec_email: str = ""
    free_of_charge: bool = True
    fees: str = ""
    eligibility: str = ""
    access: str = ""
    desk_service: str = ""
    # Days since someone last checked it; None: never (the review list shows both kinds).
    verified_days_ago: int | None = None
    location_name: str = field(default="")


ORGANIZATIONS = [
    SampleOrganization(
        "asst-nord",
        "ASST Grande Ospedale Metropolitano Niguarda",
        "Azienda socio-sanitaria territoriale: salute mentale e dipendenze della zona nord.",
    ),
    SampleOrganization(
        "asst-centro",
        "ASST Fatebenefratelli Sacco",
        "Azienda socio-sanitaria territoriale: salute mentale, consultori e dipendenze del centro.",
    ),
    SampleOrganization(
        "asst-sud",
        "ASST Santi Paolo e Carlo",
        "Azienda socio-sanitaria territoriale: salute mentale, consultori e dipendenze del sud.",
    ),
    SampleOrganization(
        "antiviolenza",
        "Rete antiviolenza della città di Milano",
        "Centri antiviolenza e case rifugio convenzionati con il Comune.",
    ),
    SampleOrganization(
        "social",
        "Comune di Milano – Servizi sociali territoriali",
        "Il servizio sociale professionale di ogni Municipio.",
        "https://www.comune.milano.it",
    ),
    SampleOrganization(
        "victims",
        "Rete per il sostegno alle vittime di reato",
        "Associazioni che accolgono e accompagnano le vittime di reato.",
    ),
    SampleOrganization(
        "legal",
        "Sportelli di orientamento legale gratuito",
        "Prima consulenza legale gratuita e informazioni sul patrocinio a spese dello Stato.",
    ),
    SampleOrganization(
        "department",
        "Comune di Milano – Settore Sicurezza",
        "I quattro servizi del dipartimento: inviare a uno di essi è un trasferimento interno.",
        "https://www.comune.milano.it",
    ),
]

CPS_ACCESS = (
    "Accesso diretto o con l'impegnativa del medico di base; primo colloquio su appuntamento."
)
CONSULTORIO_ACCESS = "Accesso diretto, senza impegnativa; telefonare per un appuntamento."
SERD_ACCESS = "Accesso diretto, anche in forma anonima; telefonare per il primo colloquio."
SOCIAL_ACCESS = "Su appuntamento, per chi risiede nel Municipio."

SERVICES = [
    # Centri psico-sociali (CPS): adult mental health, one per area of the ASST.
    SampleService(
        "cps-niguarda",
        "asst-nord",
        "Centro psico-sociale (CPS) Niguarda",
        "Valutazione e cura dei disturbi psichici degli adulti; colloqui, terapie, sostegno.",
        ("mental_health",),
        "Via Ornato 7",
        "20162",
        9,
        (9,),
        (hours(WEEKDAYS, "08:30", "17:00"),),
        (("02 0000 0101", "accoglienza"),),
        ("it", "en"),
        "cps.niguarda@example.org",
        "",
        eligibility="Adulti dai 18 anni.",
        access=CPS_ACCESS,
        verified_days_ago=250,
    ),
    SampleService(
        "cps-bicocca",
        "asst-nord",
        "Centro psico-sociale (CPS) Bicocca",
        "Valutazione e cura dei disturbi psichici degli adulti; colloqui, terapie, sostegno.",
        ("mental_health",),
        "Viale Fulvio Testi 121",
        "20126",
        9,
        (9, 2),
        (hours(WEEKDAYS, "08:30", "16:30"),),
        (("02 0000 0102", "accoglienza"),),
        ("it",),
        "cps.bicocca@example.org",
        eligibility="Adulti dai 18 anni.",
        access=CPS_ACCESS,
    ),
    SampleService(
        "cps-centro",
        "asst-centro",
        "Centro psico-sociale (CPS) Centro",
        "Valutazione e cura dei disturbi psichici degli adulti; colloqui, terapie, sostegno.",
        ("mental_health",),
        "Via Statuto 5",
        "20121",
        1,
        (1, 8),
        (hours(WEEKDAYS, "08:30", "17:00"),),
        (("02 0000 0103", "accoglienza"),),
        ("it", "en", "fr"),
        "cps.centro@example.org",
        eligibility="Adulti dai 18 anni.",
        access=CPS_ACCESS,
        verified_days_ago=30,
    ),
    SampleService(
        "cps-barona",
        "asst-sud",
        "Centro psico-sociale (CPS) Barona",
        "Valutazione e cura dei disturbi psichici degli adulti; colloqui, terapie, sostegno.",
        ("mental_health",),
        "Via Barona 30",
        "20142",
        6,
        (5, 6),
        (hours(WEEKDAYS, "08:30", "16:30"),),
        (("02 0000 0104", "accoglienza"),),
        ("it", "es"),
        "cps.barona@example.org",
        eligibility="Adulti dai 18 anni.",
        access=CPS_ACCESS,
    ),
    # Consultori familiari.
    SampleService(
        "consultorio-porta-romana",
        "asst-centro",
        "Consultorio familiare Porta Romana",
        "Sostegno psicologico a coppie, famiglie e genitori; salute della donna; spazio giovani.",
        ("family_counselling", "minors_and_families"),
        "Via Sassi 4",
        "20135",
        5,
        (1, 5),
        (hours(WEEKDAYS, "09:00", "16:00"), hours(("TU",), "16:00", "18:30", "spazio giovani")),
        (("02 0000 0201", ""),),
        ("it", "en", "ar"),
        "consultorio.romana@example.org",
        access=CONSULTORIO_ACCESS,
    ),
    SampleService(
        "consultorio-lorenteggio",
        "asst-sud",
        "Consultorio familiare Lorenteggio",
        "Sostegno psicologico a coppie, famiglie e genitori; salute della donna; spazio giovani.",
        ("family_counselling", "minors_and_families"),
        "Via Lorenteggio 120",
        "20146",
        6,
        (6, 7),
        (hours(WEEKDAYS, "09:00", "16:00"),),
        (("02 0000 0202", ""),),
        ("it", "ar", "es"),
        "consultorio.lorenteggio@example.org",
        access=CONSULTORIO_ACCESS,
        verified_days_ago=400,
    ),
    SampleService(
        "consultorio-padova",
        "asst-nord",
        "Consultorio familiare Via Padova",
        "Sostegno psicologico a coppie, famiglie e genitori; mediazione familiare.",
        ("family_counselling", "minors_and_families", "migrants"),
        "Via Padova 118",
        "20127",
        2,
        (2, 3),
        (hours(WEEKDAYS, "09:00", "15:30"),),
        (("02 0000 0203", ""),),
        ("it", "ar", "zh", "ro"),
        "consultorio.padova@example.org",
        access=CONSULTORIO_ACCESS,
    ),
    # Centri antiviolenza.
    SampleService(
        "cav-centro",
        "antiviolenza",
        "Centro antiviolenza Milano Centro",
        "Accoglienza, consulenza psicologica e legale, accompagnamento per donne che subiscono "
        "violenza; case rifugio in emergenza.",
        ("violence_against_women", "legal_aid", "victim_support"),
        "",
        "",
        None,
        (None,),
        (hours(MON_SAT, "09:00", "18:00"),),
        (("02 0000 0301", "ascolto"), ("1522", "numero nazionale antiviolenza e stalking, 24 ore")),
        ("it", "en", "es", "ar"),
        "accoglienza.cav@example.org",
        "cav.centro@pec.example.org",
        eligibility="Donne, con o senza figli, che subiscono violenza.",
        access="Telefonare: il luogo dell'incontro si concorda al telefono, per sicurezza.",
        verified_days_ago=60,
    ),
    SampleService(
        "cav-nord",
        "antiviolenza",
        "Centro antiviolenza Milano Nord",
        "Accoglienza, consulenza psicologica e legale per donne che subiscono violenza.",
        ("violence_against_women", "victim_support"),
        "",
        "",
        None,
        (2, 3, 9),
        (hours(WEEKDAYS, "10:00", "17:00"),),
        (("02 0000 0302", "ascolto"),),
        ("it", "ro", "uk"),
        "accoglienza.cavnord@example.org",
        eligibility="Donne che subiscono violenza.",
        access="Telefonare: il luogo dell'incontro si concorda al telefono, per sicurezza.",
    ),
    # SerD: addiction services.
    SampleService(
        "serd-centro",
        "asst-centro",
        "SerD Centro – Servizio per le dipendenze",
        "Cura delle dipendenze da sostanze, alcol e gioco d'azzardo; sostegno ai familiari.",
        ("addictions", "mental_health"),
        "Via Canzio 18",
        "20131",
        3,
        (None,),
        (hours(WEEKDAYS, "08:00", "15:00"),),
        (("02 0000 0401", ""),),
        ("it", "en"),
        "serd.centro@example.org",
        access=SERD_ACCESS,
    ),
    SampleService(
        "serd-sud",
        "asst-sud",
        "SerD Sud – Servizio per le dipendenze",
        "Cura delle dipendenze da sostanze, alcol e gioco d'azzardo; sostegno ai familiari.",
        ("addictions",),
        "Via Boifava 25",
        "20142",
        5,
        (4, 5, 6, 7),
        (hours(WEEKDAYS, "08:00", "15:00"),),
        (("02 0000 0402", ""),),
        ("it",),
        "serd.sud@example.org",
        access=SERD_ACCESS,
        verified_days_ago=200,
    ),
    # Victim support and legal aid.
    SampleService(
        "victims-listening",
        "victims",
        "Sportello di ascolto per le vittime di reato",
        "Ascolto, informazioni sui diritti, accompagnamento ai servizi e nel percorso giudiziario.",
        ("victim_support", "legal_aid"),
        "Via Tortona 27",
        "20144",
        6,
        (None,),
        (hours(("MO", "WE", "FR"), "10:00", "17:00"),),
        (("02 0000 0501", ""),),
        ("it", "en", "fr"),
        "vittime@example.org",
    ),
    SampleService(
        "legal-orientation",
        "legal",
        "Sportello di orientamento legale gratuito",
        "Prima consulenza legale gratuita; informazioni sul patrocinio a spese dello Stato.",
        ("legal_aid", "housing", "work"),
        "Via Freguglia 1",
        "20122",
        1,
        (None,),
        (hours(("TU", "TH"), "14:00", "17:00"),),
        (("02 0000 0601", "prenotazioni"),),
        ("it", "en"),
        "orientamento.legale@example.org",
        access="Su prenotazione telefonica.",
    ),
    SampleService(
        "legal-migrants",
        "legal",
        "Sportello legale per persone migranti",
        "Orientamento su permessi di soggiorno, protezione internazionale, lavoro e casa.",
        ("legal_aid", "migrants", "housing", "work"),
        "Via Scaldasole 5",
        "20123",
        1,
        (None,),
        (hours(("MO", "WE"), "09:30", "13:00"),),
        (("02 0000 0602", ""),),
        ("it", "en", "fr", "ar", "es"),
        "migranti@example.org",
    ),
]

# The social services of the nine Municipi: one service each, its area the municipio.
MUNICIPIO_ADDRESSES = {
    1: ("Via Larga 12", "20122"),
    2: ("Viale Zara 100", "20125"),
    3: ("Via Sansovino 9", "20133"),
    4: ("Via Oglio 18", "20139"),
    5: ("Viale Tibaldi 41", "20136"),
    6: ("Viale Legioni Romane 54", "20147"),
    7: ("Piazza Stovani 3", "20153"),
    8: ("Via Quarenghi 21", "20151"),
    9: ("Via Guerzoni 23", "20158"),
}
SERVICES += [
    SampleService(
        f"social-municipio-{n}",
        "social",
        f"Servizio sociale territoriale – Municipio {n}",
        "Assistenti sociali per adulti in difficoltà, famiglie e minori, anziani, persone con "
        "disabilità: ascolto, orientamento, contributi e progetti di sostegno.",
        ("social_services", "minors_and_families", "elderly", "housing", "work"),
        address,
        postal_code,
        n,
        (n,),
        (hours(WEEKDAYS, "09:00", "12:30"), hours(("TU", "TH"), "14:00", "16:00")),
        ((f"02 0000 07{n:02d}", "segreteria"),),
        ("it",),
        f"sociale.municipio{n}@example.org",
        access=SOCIAL_ACCESS,
        verified_days_ago=90 if n % 3 == 0 else None,
    )
    for n, (address, postal_code) in MUNICIPIO_ADDRESSES.items()
]

# The department's own services, by catalogue code: a referral there is an internal transfer.
DEPARTMENT = {
    "emergency": ("mental_health", "bereavement"),
    "victims": ("victim_support",),
    "mediation": ("conflict_mediation",),
    "criminology": ("conflict_mediation", "victim_support"),
}


def _id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


def _department_services() -> list[SampleService]:
    samples = []
    for code, needs in DEPARTMENT.items():
        desk = DeskService.objects.filter(code=code).first()
        if desk is None or Service.objects.filter(desk_service=desk).exists():
            continue
        samples.append(
            SampleService(
                f"desk-{code}", "department", desk.name_it, desk.summary_it, needs,
                schedules=(hours(MON_SAT, "09:30", "18:00", "al telefono o in videochiamata"),),
                phones=(("020202", "centralino del Comune: chiedere dello sportello"),),
                languages=("it", "en"), desk_service=code, verified_days_ago=10,
            )
        )  # fmt: skip
    return samples


@transaction.atomic
def ensure_demo_directory() -> int:
    """Load the sample network unless it is there; returns how many services were added."""
    install_needs(apps.get_model)
    now = catalogue.now()
    needs = {term.code: term for term in TaxonomyTerm.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    organizations = {}
    for sample in ORGANIZATIONS:
        organizations[sample.key], _created = Organization.objects.get_or_create(
            id=_id("organization", sample.key),
            defaults={
                "name": sample.name,
                "description": f"{sample.description} {SAMPLE_NOTE}",
                "website": sample.website,
                "is_sample": True,
            },
        )
    added = 0
    for sample in [*SERVICES, *_department_services()]:
        service_id = _id("service", sample.key)
        if Service.objects.filter(pk=service_id).exists():
            continue
        data = ServiceData(
            organization=organizations[sample.organization],
            name=sample.name,
            description=f"{sample.description} {SAMPLE_NOTE}",
            email=sample.email,
            pec_email=sample.pec_email,
            eligibility_description=sample.eligibility,
            application_process=sample.access,
            free_of_charge=sample.free_of_charge,
            fees_description=sample.fees,
            location=LocationData(
                name=sample.location_name or sample.name,
                address_1=sample.address,
                postal_code=sample.postal_code,
                municipio=sample.municipio,
            )
            if sample.address
            else None,
            phones=tuple(PhoneData(number, note) for number, note in sample.phones),
            schedules=sample.schedules,
            areas=tuple(
                AreaData("Tutta la città") if n is None else AreaData(f"Municipio {n}", n)
                for n in sample.areas
            ),
            needs=tuple(needs[code] for code in sample.needs if code in needs),
            languages=tuple(languages[code] for code in sample.languages if code in languages),
            desk_service=DeskService.objects.get(code=sample.desk_service)
            if sample.desk_service
            else None,
            is_sample=True,
        )
        service = write_service(Service(id=service_id), data)
        if sample.verified_days_ago is not None:
            service.verified_at = now - datetime.timedelta(days=sample.verified_days_ago)
            service.save(update_fields=["verified_at"])
        added += 1
    return added
