"""The questions each service asks in its section of a case, installed as SectionField rows.

Data, not code: the rows are edited in the admin; this is only the first set, used by
the data migration. It takes a model lookup because migrations must use historical models.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

ModelLookup = Callable[[str, str], type[models.Model]]


def _choices(*items: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"code": code, "label_it": it, "label_en": en} for code, it, en in items]


# service code → its questions, in the order the form asks them.
SECTION_FIELDS: dict[str, list[dict[str, Any]]] = {
    "victims": [
        {
            "code": "offence_type",
            "label_it": "Tipo di reato subito",
            "label_en": "Type of offence",
            "kind": "choice",
            "required": True,
            "choices": _choices(
                ("domestic_violence", "Violenza domestica", "Domestic violence"),
                ("stalking", "Atti persecutori (stalking)", "Stalking"),
                ("sexual_violence", "Violenza sessuale", "Sexual violence"),
                ("robbery_theft", "Rapina o furto", "Robbery or theft"),
                ("fraud", "Truffa", "Fraud"),
                ("threats", "Minacce", "Threats"),
                ("assault", "Aggressione", "Assault"),
                ("other", "Altro", "Other"),
            ),
        },
        {
            "code": "happened_on",
            "label_it": "Quando è successo",
            "label_en": "When it happened",
            "kind": "date",
        },
        {
            "code": "reported_to_police",
            "label_it": "Denunciato alle forze dell'ordine",
            "label_en": "Reported to the police",
            "kind": "yes_no",
        },
        {
            "code": "secondary_victimisation_risks",
            "label_it": "Rischi di vittimizzazione secondaria",
            "label_en": "Secondary victimisation risks",
            "help_it": "Che cosa potrebbe ferire di nuovo la persona nel percorso che segue.",
            "help_en": "What could hurt the person again in what follows.",
            "kind": "long_text",
        },
    ],
    "mediation": [
        {
            "code": "parties",
            "label_it": "Parti coinvolte",
            "label_en": "Parties involved",
            "kind": "long_text",
            "required": True,
        },
        {
            "code": "conflict_type",
            "label_it": "Tipo di conflitto",
            "label_en": "Type of conflict",
            "kind": "choice",
            "required": True,
            "choices": _choices(
                ("neighbourhood", "Di vicinato", "Neighbourhood"),
                ("family", "Familiare", "Family"),
                ("school", "Scolastico", "School"),
                ("workplace", "Sul lavoro", "Workplace"),
                ("community", "Nella comunità", "Community"),
                ("other", "Altro", "Other"),
            ),
        },
        {
            "code": "escalation_risk",
            "label_it": "Rischio di escalation",
            "label_en": "Risk of escalation",
            "kind": "choice",
            "choices": _choices(
                ("low", "Basso", "Low"),
                ("medium", "Medio", "Medium"),
                ("high", "Alto", "High"),
            ),
        },
    ],
    "criminology": [
        {
            "code": "author_assessment",
            "label_it": "Valutazione dell'autore",
            "label_en": "Assessment of the author",
            "kind": "long_text",
        },
        {
            "code": "prevention_level",
            "label_it": "Livello di prevenzione",
            "label_en": "Prevention level",
            "kind": "choice",
            "required": True,
            "choices": _choices(
                ("primary", "Primaria", "Primary"),
                ("secondary", "Secondaria", "Secondary"),
                ("tertiary", "Terziaria", "Tertiary"),
            ),
        },
    ],
    "emergency": [
        {
            "code": "target_group",
            "label_it": "Gruppo destinatario",
            "label_en": "Target group",
            "kind": "choice",
            "required": True,
            # Filled from the catalogue's target groups when installed.
            "choices": "target_groups",
        },
        {
            "code": "reasons",
            "label_it": "Motivi della richiesta",
            "label_en": "Reasons for the request",
            "kind": "long_text",
        },
    ],
}


def install_section_fields(get_model: ModelLookup) -> int:
    """Create the fields missing for the services that exist; returns how many were added.

    Existing rows are left as the coordinators edited them."""
    service_model = get_model("services", "Service")
    target_group_model = get_model("services", "TargetGroup")
    field_model = get_model("cases", "SectionField")
    target_groups = [
        {"code": group.code, "label_it": group.name_it, "label_en": group.name_en}
        for group in target_group_model.objects.order_by("position", "code")
    ]
    added = 0
    for service_code, fields in SECTION_FIELDS.items():
        service = service_model.objects.filter(code=service_code).first()
        if service is None:
            continue
        for order, spec in enumerate(fields, start=1):
            choices = spec.get("choices", [])
            if choices == "target_groups":
                choices = target_groups
            _row, created = field_model.objects.get_or_create(
                service=service,
                code=spec["code"],
                defaults={
                    "label_it": spec["label_it"],
                    "label_en": spec.get("label_en", ""),
                    "help_it": spec.get("help_it", ""),
                    "help_en": spec.get("help_en", ""),
                    "kind": spec["kind"],
                    "choices": choices,
                    "required": spec.get("required", False),
                    "order": order * 10,
                },
            )
            added += created
    return added
