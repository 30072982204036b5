"""Invariant 3: a contact or case screened at high or imminent risk is not closed until the
safety protocol for that level is documented. Intake and cases call this before any close."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sportello.intake.models import Contact
from sportello.triage import queries


def protocol_incomplete(contact_id: int) -> bool:
    """An unreachable high-risk person is not closed as unreachable: they stay in the queue and
    the escalation keeps the coordinators looking."""
    risk = queries.risk_of(contact_id)
    return risk is not None and not risk.protocol_complete


def require_protocol_complete(contact_ids: Iterable[int]) -> None:
    """Refuse, naming each contact and the steps it still lacks."""
    gaps = {
        contact_id: risk
        for contact_id, risk in queries.risk_by_contact(contact_ids).items()
        if not risk.protocol_complete
    }
    if not gaps:
        return
    references = dict(Contact.objects.filter(pk__in=gaps).values_list("pk", "reference"))
    raise ValidationError(
        [
            ValidationError(
                _(
                    "Il contatto %(reference)s è a %(level)s: prima di chiudere registra "
                    "%(missing)s."
                ),
                code="protocol_incomplete",
                params={
                    "reference": references[contact_id],
                    "level": risk.label,
                    "missing": ", ".join(risk.missing),
                },
            )
            for contact_id, risk in sorted(gaps.items())
        ]
    )
