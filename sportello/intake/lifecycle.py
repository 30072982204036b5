"""Which status changes a contact allows: the one table every operation checks against."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sportello.intake.models import HELD_STATUSES, QUEUE_STATUSES, Status

# action → the statuses it may start from
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "take": QUEUE_STATUSES,
    "release": HELD_STATUSES,
    "start_conversation": (Status.TAKEN,),
    "record_outcome": HELD_STATUSES,
}

REFUSALS = {
    "take": _("Il contatto %(reference)s non è più in coda (ora è: %(status)s)."),
    "release": _("Il contatto %(reference)s non è in carico (ora è: %(status)s)."),
    "start_conversation": _(
        "La conversazione del contatto %(reference)s non può iniziare: ora è %(status)s."
    ),
    "record_outcome": _(
        "L'esito del contatto %(reference)s non si può registrare: ora è %(status)s."
    ),
}


def check(action: str, reference: str, status: str) -> None:
    """Refuse an illegal change with a message that says where the contact stands."""
    if status not in ALLOWED_FROM[action]:
        raise ValidationError(
            REFUSALS[action],
            code="illegal_transition",
            params={"reference": reference, "status": Status(status).label},
        )
