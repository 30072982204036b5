"""An operator's own shift preferences: which shifts of the week they would like, and which they
would rather avoid, each with a weight the solver weighs against the rest of the roster.

The operator states the whole set at once (the page shows every shift of their week), so the
operation replaces their preferences rather than editing them one by one."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.rota import policies
from sportello.rota.models import Contract, ShiftKind, ShiftPreference
from sportello.services.models import Weekday

MIN_WEIGHT = 1
MAX_WEIGHT = 10

Cell = tuple[int, int]  # (weekday, shift kind pk)
Wish = tuple[bool, int]  # (wanted, weight)


def active_contract(user: User) -> Contract | None:
    """The contract that puts ``user`` in the roster, if any: the same people the solver plans
    for (``queries.rostered_operators``)."""
    return _active_contracts(user).first()


def _active_contracts(user: User) -> QuerySet[Contract]:
    return Contract.objects.filter(user=user, is_active=True, user__is_active=True)


def _day_name(weekday: int) -> str:
    return str(Weekday(weekday).label)


def _problems(
    preferences: Mapping[Cell, Wish | None],
    contract: Contract,
    kinds: dict[int, ShiftKind],
) -> list[str]:
    """Every reason to refuse the set, each said once, in the order met."""
    found: list[str] = []

    def say(message: str) -> None:
        if message not in found:
            found.append(message)

    for key, wish in preferences.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            say(_("Preferenza non valida: ricarica la pagina e riprova."))
            continue
        weekday, kind_pk = key
        if not isinstance(weekday, int) or isinstance(weekday, bool) or weekday not in range(7):
            say(_("Giorno della settimana non valido: ricarica la pagina e riprova."))
            continue
        kind = kinds.get(kind_pk) if isinstance(kind_pk, int) else None
        if kind is None:
            say(_("Uno dei turni non esiste o non è più in uso: ricarica la pagina e riprova."))
            continue
        if wish is None:
            continue  # clearing a preference needs no more than a real shift and day
        if not (isinstance(wish, tuple) and len(wish) == 2 and isinstance(wish[0], bool)):
            say(_("Preferenza non valida: ricarica la pagina e riprova."))
            continue
        weight = wish[1]
        if (
            not isinstance(weight, int)
            or isinstance(weight, bool)
            or not MIN_WEIGHT <= weight <= MAX_WEIGHT
        ):
            say(
                _("Il peso di una preferenza va da %(min)d a %(max)d.")
                % {"min": MIN_WEIGHT, "max": MAX_WEIGHT}
            )
        if weekday not in contract.weekdays_available:
            say(
                _(
                    "Il tuo contratto non prevede turni di %(day)s: non puoi indicare "
                    "preferenze per quel giorno."
                )
                % {"day": _day_name(weekday)}
            )
        elif weekday not in kind.weekdays:
            say(
                _("Il turno «%(shift)s» non si svolge di %(day)s.")
                % {"shift": kind.name, "day": _day_name(weekday)}
            )
    return found


@transaction.atomic
def set_preferences(actor: User, *, preferences: Mapping[Cell, Wish | None]) -> int:
    """Replace the actor's shift preferences with ``preferences``: (weekday, shift kind pk) →
    (wanted, weight from 1 to 10), or None for "no preference". Shifts not mentioned keep no
    preference either. Returns how many preferences the actor now has."""
    if not policies.works_shifts(actor):
        raise PermissionDenied(_("Solo chi lavora a turni indica le proprie preferenze."))
    # Locking the contract makes two saves of the same operator wait for each other, so the
    # rows one deletes are not the rows the other is writing.
    contract = _active_contracts(actor).select_for_update(of=("self",)).first()
    if contract is None:
        raise ValidationError(
            _(
                "Non sei ancora inserito nei turni: potrai indicare le tue preferenze quando il "
                "coordinatore ti avrà assegnato un contratto di turno."
            )
        )
    kinds = {kind.pk: kind for kind in ShiftKind.objects.filter(is_active=True)}
    problems = _problems(preferences, contract, kinds)
    if problems:
        raise ValidationError(problems)
    rows = [
        ShiftPreference(
            user=actor, weekday=weekday, shift_kind=kinds[kind_pk], wanted=wish[0], weight=wish[1]
        )
        for (weekday, kind_pk), wish in sorted(preferences.items())
        if wish is not None
    ]
    removed, _by_model = ShiftPreference.objects.filter(user=actor).delete()
    ShiftPreference.objects.bulk_create(rows)
    record_audit(
        actor,
        object_type="rota.preferences",
        object_id=actor.pk,
        action="set",
        wanted=sum(1 for row in rows if row.wanted),
        avoided=sum(1 for row in rows if not row.wanted),
        replaced=removed,
    )
    return len(rows)
