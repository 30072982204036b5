"""The open-data catalogue as DCAT-AP_IT metadata (JSON-LD), for dati.gov.it and the EU portal.

One dcatapit:Catalog published by the organisation running the desk, holding one
dcatapit:Dataset (the desk's monthly statistics) with one dcatapit:Distribution per release.
The @context is written out here, never fetched: a harvester (or a test) reads the document
without going to the network. Texts are given in Italian and English side by side, whatever the
language of the request, because the catalogue is one document for every reader."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any

from sportello.reports import open_data
from sportello.reports.models import OpenDataRelease
from sportello.services.models import Organisation

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatapit": "http://dati.gov.it/onto/dcatapit#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority/"
THEMES = (f"{EU}data-theme/SOCI", f"{EU}data-theme/GOVE")
MONTHLY = f"{EU}frequency/MONTHLY"
LANGUAGE = f"{EU}language/ITA"
CSV_FORMAT = f"{EU}file-type/CSV"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_TYPE = "http://purl.org/adms/licencetype/Attribution"
SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/text/csv"

CATALOGUE_TITLE = (
    "Dati aperti dello sportello emergenze psicologiche",
    "Psychological emergency help desk open data",
)
DATASET_TITLE = (
    "Statistiche mensili dello sportello emergenze psicologiche e relazionali",
    "Monthly statistics of the psychological and relational emergency help desk",
)
DATASET_DESCRIPTION = (
    "Contatti ricevuti per giorno, settimana, canale, servizio, gruppo di destinatari, motivo, "
    "livello di rischio ed esito; tempi di attesa e livello di servizio; richiamate; colloqui "
    "per presa in carico; invii alla rete dei servizi; personale in turno rispetto alla "
    "domanda. Solo dati aggregati: i conteggi inferiori alla soglia di riservatezza e quelli "
    "da cui si potrebbero ricalcolare sono oscurati.",
    "Contacts received per day, week, channel, service, target group, reason, risk level and "
    "outcome; waiting times and service level; callbacks; sessions per case; referrals to the "
    "network of services; staff on shift compared with demand. Aggregates only: counts below "
    "the confidentiality threshold, and those they could be worked out from, are withheld.",
)
KEYWORDS = (
    ("statistiche", "statistics"),
    ("sostegno psicologico", "psychological support"),
    ("emergenza", "emergency"),
)
DATASET_SLUG = "statistiche-mensili"


def _texts(pair: tuple[str, str]) -> list[dict[str, str]]:
    italian, english = pair
    return [{"@value": italian, "@language": "it"}, {"@value": english, "@language": "en"}]


def _date(value: datetime.date) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def _instant(value: datetime.datetime) -> dict[str, str]:
    local = value.astimezone(zoneinfo.ZoneInfo("Europe/Rome")).replace(microsecond=0)
    return {"@value": local.isoformat(), "@type": "xsd:dateTime"}


def _agent(organisation: Organisation, node: str) -> dict[str, Any]:
    """The organisation as a dcatapit:Agent. The Organisation model has no IPA code: its name
    (and web site, where known) identifies it."""
    agent: dict[str, Any] = {
        "@id": node,
        "@type": ["dcatapit:Agent", "foaf:Agent"],
        "foaf:name": _texts((organisation.name_it, organisation.name_en or organisation.name_it)),
        "dct:identifier": organisation.website or organisation.name_it,
    }
    if organisation.website:
        agent["foaf:homepage"] = {"@id": organisation.website}
    return agent


def _contact_point(organisation: Organisation, node: str) -> dict[str, Any]:
    point: dict[str, Any] = {
        "@id": node,
        "@type": ["dcatapit:Organization", "vcard:Organization", "vcard:Kind"],
        "vcard:fn": organisation.department_it or organisation.name_it,
        "vcard:hasTelephone": {
            "@id": f"{node}-telefono",
            "@type": ["vcard:Voice"],
            "vcard:hasValue": {"@id": f"tel:{organisation.switchboard_number}"},
        },
    }
    if organisation.email:
        point["vcard:hasEmail"] = {"@id": f"mailto:{organisation.email}"}
    if organisation.website:
        point["vcard:hasURL"] = {"@id": organisation.website}
    return point


def _distribution(item: OpenDataRelease, url: Callable[[OpenDataRelease], str]) -> dict[str, Any]:
    address = url(item)
    month = open_data.month_label(item.month)
    return {
        "@id": address,
        "@type": "dcatapit:Distribution",
        "dct:title": _texts(
            (
                f"Statistiche di {month}, versione {item.version} (CSV)",
                f"Statistics for {month}, version {item.version} (CSV)",
            )
        ),
        "dcat:accessURL": {"@id": address},
        "dcat:downloadURL": {"@id": address},
        "dct:format": {"@id": CSV_FORMAT},
        "dcat:mediaType": {"@id": MEDIA_TYPE},
        "dct:license": {
            "@id": LICENCE,
            "@type": "dcatapit:LicenseDocument",
            "dct:type": {"@id": LICENCE_TYPE},
            "foaf:name": "CC BY 4.0",
        },
        "dcat:byteSize": {"@value": str(open_data.byte_size(item)), "@type": "xsd:decimal"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": SHA256},
            "spdx:checksumValue": {"@value": item.sha256, "@type": "xsd:hexBinary"},
        },
        "dct:issued": _instant(item.published_at),
        "dct:modified": _instant(item.published_at),
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(item.month),
            "dcat:endDate": _date(open_data.month_end(item.month)),
        },
    }


def catalogue(
    organisation: Organisation,
    releases: Sequence[OpenDataRelease],
    *,
    catalogue_url: str,
    page_url: str,
    release_url: Callable[[OpenDataRelease], str],
) -> dict[str, Any]:
    """The DCAT-AP_IT catalogue as a JSON-LD document; every address absolute.

    ``releases`` are every version of every month: a correction is a new distribution, the
    earlier one stays listed (its URL keeps serving the same bytes)."""
    base = catalogue_url.split("#")[0]
    publisher = _agent(organisation, f"{base}#titolare")
    dataset_id = f"{base}#{DATASET_SLUG}"
    published = [item.published_at for item in releases]
    issued = min(published) if published else None
    modified = max(published) if published else None
    dataset: dict[str, Any] = {
        "@id": dataset_id,
        "@type": ["dcatapit:Dataset", "dcat:Dataset"],
        "dct:identifier": f"{publisher['dct:identifier']}:{DATASET_SLUG}",
        "dct:title": _texts(DATASET_TITLE),
        "dct:description": _texts(DATASET_DESCRIPTION),
        "dcat:theme": [{"@id": theme} for theme in THEMES],
        "dct:accrualPeriodicity": {"@id": MONTHLY},
        "dct:language": {"@id": LANGUAGE},
        "dct:publisher": {"@id": publisher["@id"]},
        "dct:rightsHolder": {"@id": publisher["@id"]},
        "dcat:contactPoint": _contact_point(organisation, f"{base}#punto-di-contatto"),
        "dct:license": {"@id": LICENCE},
        "dcat:landingPage": {"@id": page_url},
        "dcat:keyword": [
            {"@value": word, "@language": language}
            for pair in KEYWORDS
            for word, language in zip(pair, ("it", "en"), strict=True)
        ],
        "dcat:distribution": [_distribution(item, release_url) for item in releases],
    }
    if issued is not None and modified is not None:
        dataset["dct:issued"] = _instant(issued)
        dataset["dct:modified"] = _instant(modified)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@graph": [
            {
                "@id": base,
                "@type": ["dcatapit:Catalog", "dcat:Catalog"],
                "dct:title": _texts(CATALOGUE_TITLE),
                "dct:description": _texts(DATASET_DESCRIPTION),
                "dct:publisher": {"@id": publisher["@id"]},
                "dct:language": {"@id": LANGUAGE},
                "foaf:homepage": {"@id": page_url},
                "dct:license": {"@id": LICENCE},
                "dcat:dataset": {"@id": dataset_id},
                **({"dct:modified": _instant(modified)} if modified is not None else {}),
            },
            publisher,
            dataset,
        ],
    }
    return document
