"""Installs a city's catalogue from a JSON document, validating every row before it writes.

Used by the data migration that installs Milan's catalogue and by `manage.py load_catalogue`,
so it takes a model lookup instead of importing models (migrations must use historical ones).
"""

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

ModelLookup = Callable[[str], type[models.Model]]

SECTIONS = (
    "organisation",
    "emergency_numbers",
    "weekly_hours",
    "competences",
    "services",
    "target_groups",
    "programmes",
)


class CatalogueError(Exception):
    """The document is not a valid catalogue; nothing was written."""


def _fail(where: str, problem: object) -> CatalogueError:
    if isinstance(problem, ValidationError):
        if hasattr(problem, "error_dict"):
            problem = "; ".join(
                f"{field}: {' '.join(str(m) for m in messages)}"
                for field, messages in problem.message_dict.items()
            )
        else:
            problem = " ".join(str(m) for m in problem.messages)
    return CatalogueError(f"{where}: {problem}")


def _rows(data: Mapping[str, Any], section: str) -> list[dict[str, Any]]:
    rows = data.get(section, [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _fail(section, _("deve essere un elenco di oggetti"))
    return rows


def _parse(where: str, value: Any, parser: Callable[[str], Any], expected: str) -> Any:
    if value is None:
        return None
    try:
        return parser(value)
    except (TypeError, ValueError):
        raise _fail(
            where, _("valore non valido, atteso %(expected)s") % {"expected": expected}
        ) from None


def _save(where: str, instance: models.Model, exclude: list[str] | None = None) -> models.Model:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        raise _fail(where, error) from None
    instance.save()
    return instance


def _by_codes(where: str, model: type[models.Model], codes: Any) -> list[models.Model]:
    if not isinstance(codes, list):
        raise _fail(where, _("deve essere un elenco di codici"))
    found = {obj.code: obj for obj in model._default_manager.filter(code__in=codes)}  # type: ignore[attr-defined]
    missing = [code for code in codes if code not in found]
    if missing:
        raise _fail(
            where, _("codici sconosciuti: %(codes)s") % {"codes": ", ".join(map(str, missing))}
        )
    return [found[code] for code in codes]


def _fields(row: dict[str, Any], where: str, allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(row) - allowed)
    if unknown:
        raise _fail(where, _("campi sconosciuti: %(fields)s") % {"fields": ", ".join(unknown)})
    return row


def install_catalogue(data: Any, model: ModelLookup) -> dict[str, int]:
    """Create or update every row of the document; returns how many rows each section holds."""
    if not isinstance(data, dict):
        raise CatalogueError(_("Il catalogo deve essere un oggetto JSON."))
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise CatalogueError(
            _("Sezioni sconosciute: %(sections)s") % {"sections": ", ".join(unknown)}
        )
    if not isinstance(data.get("organisation"), dict):
        raise CatalogueError(_("Manca la sezione «organisation» con i dati dell'ente."))

    with transaction.atomic():
        organisation = _install_organisation(data["organisation"], model)
        _install_hours(data, organisation, model)
        _install_numbers(data, organisation, model)
        _install_coded(
            data, "competences", model("services.Competence"), {"code", "name_it", "name_en"}
        )
        _install_services(data, model)
        _install_coded(
            data,
            "target_groups",
            model("services.TargetGroup"),
            {"code", "position", "name_it", "name_en", "description_it", "description_en"},
        )
        _install_programmes(data, model)
    return {
        section: len(data.get(section) or []) for section in SECTIONS if section != "organisation"
    }


def _install_organisation(row: dict[str, Any], model: ModelLookup) -> models.Model:
    Organisation = model("services.Organisation")
    allowed = {f.name for f in Organisation._meta.concrete_fields} - {"id"}
    fields = _fields(row, "organisation", allowed)
    organisation = Organisation._default_manager.order_by("pk").first() or Organisation()
    for name, value in fields.items():
        setattr(organisation, name, value)
    return _save("organisation", organisation)


def _install_hours(data: dict[str, Any], organisation: models.Model, model: ModelLookup) -> None:
    WeeklyHours = model("services.WeeklyHours")
    rows = _rows(data, "weekly_hours")
    WeeklyHours._default_manager.filter(organisation=organisation).delete()
    for index, row in enumerate(rows):
        where = f"weekly_hours[{index}]"
        _fields(row, where, {"weekday", "opens", "closes"})
        hours = WeeklyHours(
            organisation=organisation,
            weekday=row.get("weekday"),
            opens=_parse(where, row.get("opens"), datetime.time.fromisoformat, "HH:MM"),
            closes=_parse(where, row.get("closes"), datetime.time.fromisoformat, "HH:MM"),
        )
        if hours.opens and hours.closes and hours.closes <= hours.opens:  # type: ignore[attr-defined]
            raise _fail(where, _("l'orario di chiusura deve seguire quello di apertura"))
        _save(where, hours)


def _install_numbers(data: dict[str, Any], organisation: models.Model, model: ModelLookup) -> None:
    EmergencyNumber = model("services.EmergencyNumber")
    for index, row in enumerate(_rows(data, "emergency_numbers")):
        where = f"emergency_numbers[{index}]"
        _fields(row, where, {"number", "label_it", "label_en"})
        number = EmergencyNumber._default_manager.filter(
            organisation=organisation, number=row.get("number")
        ).first() or EmergencyNumber(organisation=organisation)
        for name, value in row.items():
            setattr(number, name, value)
        number.position = index  # type: ignore[attr-defined]
        _save(where, number)


def _install_coded(
    data: dict[str, Any], section: str, Model: type[models.Model], allowed: set[str]
) -> None:
    for index, row in enumerate(_rows(data, section)):
        _upsert_coded(f"{section}[{index}]", Model, _fields(row, f"{section}[{index}]", allowed))


def _upsert_coded(where: str, Model: type[models.Model], row: dict[str, Any]) -> models.Model:
    code = row.get("code")
    if not isinstance(code, str) or not code:
        raise _fail(where, _("manca il codice"))
    instance = Model._default_manager.filter(code=code).first() or Model()
    for name, value in row.items():
        setattr(instance, name, value)
    return _save(where, instance)


def _install_services(data: dict[str, Any], model: ModelLookup) -> None:
    Service, Competence = model("services.Service"), model("services.Competence")
    allowed = {f.name for f in Service._meta.concrete_fields} - {"id"} | {"required_competences"}
    for index, row in enumerate(_rows(data, "services")):
        where = f"services[{index}]"
        fields = dict(_fields(row, where, allowed))
        competences = _by_codes(
            f"{where}.required_competences", Competence, fields.pop("required_competences", [])
        )
        if not (fields.get("by_phone", True) or fields.get("by_video", True)):
            raise _fail(where, _("un servizio deve essere raggiungibile al telefono o in video"))
        service = _upsert_coded(where, Service, fields)
        service.required_competences.set(competences)  # type: ignore[attr-defined]


def _install_programmes(data: dict[str, Any], model: ModelLookup) -> None:
    Programme = model("services.EmergencyProgramme")
    allowed = {
        "code",
        "name_it",
        "name_en",
        "description_it",
        "description_en",
        "starts_on",
        "ends_on",
        "services",
        "target_groups",
    }
    for index, row in enumerate(_rows(data, "programmes")):
        where = f"programmes[{index}]"
        fields = dict(_fields(row, where, allowed))
        services = _by_codes(
            f"{where}.services", model("services.Service"), fields.pop("services", [])
        )
        groups = _by_codes(
            f"{where}.target_groups", model("services.TargetGroup"), fields.pop("target_groups", [])
        )
        for key in ("starts_on", "ends_on"):
            fields[key] = _parse(
                f"{where}.{key}", fields.get(key), datetime.date.fromisoformat, "AAAA-MM-GG"
            )
        if fields["ends_on"] and fields["starts_on"] and fields["ends_on"] < fields["starts_on"]:
            raise _fail(where, _("la fine non può precedere l'inizio"))
        programme = _upsert_coded(where, Programme, fields)
        programme.services.set(services)  # type: ignore[attr-defined]
        programme.target_groups.set(groups)  # type: ignore[attr-defined]
