"""The coordinator adopts the head counts proposed from demand: one operation, in a transaction,
with its audit row."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.privacy.operations import record_audit
from sportello.rota import policies
from sportello.rota.demand import MAX_MINIMUM, ProposedRequirement
from sportello.rota.models import CoverageRequirement, RequirementSource, ShiftKind


@transaction.atomic
def apply_demand_requirements(
    actor: User, proposal: Sequence[ProposedRequirement]
) -> list[CoverageRequirement]:
    """Replace every head-count requirement (no competence, no service) with the proposal's,
    marked as coming from demand. Competence and service requirements stay as they are: they
    say who must be on a shift, the head count only how many."""
    if not policies.plans_roster(actor):
        raise PermissionDenied(_("Solo i coordinatori stabiliscono le coperture dei turni."))
    if not proposal:
        raise ValidationError(
            _("Non c'è una proposta da applicare: manca lo storico dei contatti da cui calcolarla.")
        )
    # Locking the shift kinds makes two coordinators applying at once take turns, instead of
    # both deleting and then colliding on the one-head-count-per-shift constraint.
    kinds = {
        kind.pk: kind
        for kind in ShiftKind.objects.select_for_update().filter(
            pk__in={item.shift_kind.pk for item in proposal}
        )
    }
    seen: set[tuple[int, int]] = set()
    for item in proposal:
        kind = kinds.get(item.shift_kind.pk)
        if kind is None or not kind.is_active or item.weekday not in kind.weekdays:
            raise ValidationError(
                _("La proposta riguarda un turno che non è più in uso: ricarica la pagina.")
            )
        if not 1 <= item.minimum <= MAX_MINIMUM:
            raise ValidationError(
                _("Una copertura va da 1 a %(most)d operatori.") % {"most": MAX_MINIMUM}
            )
        key = (item.weekday, kind.pk)
        if key in seen:
            raise ValidationError(_("La proposta indica due volte lo stesso turno."))
        seen.add(key)
    head_counts = CoverageRequirement.objects.filter(competence__isnull=True, service__isnull=True)
    replaced = {
        f"{row.weekday}:{row.shift_kind_id}": row.minimum
        for row in head_counts.only("weekday", "shift_kind", "minimum")
    }
    head_counts.delete()
    created = CoverageRequirement.objects.bulk_create(
        CoverageRequirement(
            shift_kind=kinds[item.shift_kind.pk],
            weekday=item.weekday,
            minimum=item.minimum,
            source=RequirementSource.DEMAND,
        )
        for item in proposal
    )
    record_audit(
        actor,
        object_type="rota.coverage",
        object_id="head-count",
        action="applied_from_demand",
        replaced=replaced,
        minimums={f"{item.weekday}:{item.shift_kind.pk}": item.minimum for item in proposal},
    )
    return created
