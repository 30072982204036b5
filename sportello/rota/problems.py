"""From the database to the solver's problem and back: the one adapter around the kernel.

Operators are identified in the kernel by their user id as a string, shifts by their code and
days by index: a weekly pattern's day ``i`` is week ``i // 7``, weekday ``i % 7``; a dated
horizon's day ``i`` is ``first + i`` days."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sportello.accounts.models import User
from sportello.rota import queries
from sportello.rota import solver as kernel
from sportello.rota.models import (
    Contract,
    CoverageRequirement,
    PatternAssignment,
    RosterPlan,
    ShiftKind,
    ShiftPreference,
)
from sportello.rota.wording import person_name
from sportello.services.models import Competence, Service, Weekday

Slot = tuple[str, int, str]  # (operator id, day index, shift code)


@dataclass(frozen=True)
class Built:
    """A problem and what its indexes mean."""

    problem: kernel.RosterProblem
    users: dict[str, User]
    kinds: dict[str, ShiftKind]
    first_day: datetime.date | None = None  # dated horizons only
    # Competences and services by code, read once when a sentence first names one: explaining
    # fifty shortfalls must not cost fifty queries. Names are read at use, in the language
    # active then (a run's explanations are written in Italian and in English).
    _groups: dict[str, dict[str, Competence | Service]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def group_name(self, competence: str | None, service: str | None) -> str:
        """The name of a competence or a service, by code (the code when it is unknown)."""
        if not self._groups:
            self._groups["competence"] = {c.code: c for c in Competence.objects.all()}
            self._groups["service"] = {s.code: s for s in Service.objects.all()}
        code, kind = (competence, "competence") if competence else (service or "", "service")
        found = self._groups[kind].get(code)
        return str(found.name) if found is not None else code

    def date_of(self, index: int) -> datetime.date:
        assert self.first_day is not None
        return self.first_day + datetime.timedelta(days=index)

    def day_label(self, index: int) -> str:
        """How a coordinator names the day: "sabato" in a pattern, "sabato 12/12/2026" dated."""
        day = self.problem.days[index]
        name = str(Weekday(day.weekday).label)
        if self.first_day is not None:
            return f"{name} {self.date_of(index):%d/%m/%Y}"
        weeks = len(self.problem.days) // 7
        return (
            _("%(day)s della settimana %(week)d") % {"day": name, "week": index // 7 + 1}
            if weeks > 1
            else name
        )


def _rest_minutes() -> int:
    return int(settings.SPORTELLO_ROTA_MIN_REST_HOURS * 60)


def _shift_types(kinds: Iterable[ShiftKind]) -> tuple[kernel.ShiftType, ...]:
    return tuple(
        kernel.ShiftType(
            code=kind.code,
            start_minute=kind.starts.hour * 60 + kind.starts.minute,
            duration_minutes=kind.minutes,
            afternoon=kind.is_afternoon,
        )
        for kind in kinds
    )


def _rostered_contracts() -> list[Contract]:
    return list(
        Contract.objects.filter(is_active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related("user__professional_profile__competences")
        .prefetch_related("user__professional_profile__services")
        .order_by("user__last_name", "user__username")
    )


def _operator(contract: Contract, days: Iterable[kernel.Day], absent: set[int]) -> kernel.Operator:
    competences, services = queries.profile_codes(contract.user)
    return kernel.Operator(
        id=str(contract.user_id),
        competences=competences,
        services=services,
        max_shifts=contract.max_shifts_per_week,
        min_shifts=contract.min_shifts_per_week or None,
        max_minutes=int(contract.hours_per_week * 60),
        max_consecutive_days=contract.max_consecutive_days,
        unavailable_days=frozenset(
            day.index
            for day in days
            if day.weekday not in contract.weekdays_available or day.index in absent
        ),
    )


RowWithWeekday = TypeVar("RowWithWeekday", CoverageRequirement, ShiftPreference)


def _by_weekday(rows: Iterable[RowWithWeekday]) -> dict[int, list[RowWithWeekday]]:
    """Rows by weekday, so a horizon of many days visits each day's rows only."""
    found: dict[int, list[RowWithWeekday]] = defaultdict(list)
    for row in rows:
        found[row.weekday].append(row)
    return found


def _requirements(days: Iterable[kernel.Day]) -> tuple[kernel.Requirement, ...]:
    rows = _by_weekday(
        CoverageRequirement.objects.select_related("shift_kind", "competence", "service")
    )
    return tuple(
        kernel.Requirement(
            day=day.index,
            shift=row.shift_kind.code,
            minimum=row.minimum,
            competence=row.competence.code if row.competence else None,
            service=row.service.code if row.service else None,
        )
        for day in days
        for row in rows.get(day.weekday, [])
        if row.shift_kind.code in day.shifts
    )


def _preferences(
    days: Iterable[kernel.Day], users: dict[str, User]
) -> tuple[kernel.Preference, ...]:
    rows = _by_weekday(
        ShiftPreference.objects.filter(user__in=users.values()).select_related("shift_kind")
    )
    return tuple(
        kernel.Preference(
            operator=str(row.user_id),
            day=day.index,
            shift=row.shift_kind.code,
            wanted=row.wanted,
            weight=row.weight,
        )
        for day in days
        for row in rows.get(day.weekday, [])
        if row.shift_kind.code in day.shifts
    )


def plan_slots(
    plan: RosterPlan, weeks: int | None = None, *, starting: datetime.date | None = None
) -> frozenset[Slot]:
    """A plan's assignments as kernel slots, folded onto a cycle of ``weeks`` weeks.

    ``starting``: the Monday a new cycle would begin. Week ``w`` of the result is then the week
    a published plan has ``w`` weeks after that day, so a proposal is compared with (and kept
    close to) what the team would otherwise work in those very weeks, not with the published
    cycle's first week."""
    weeks = weeks or plan.pattern_weeks
    if starting is not None and plan.valid_from is not None:
        source = {
            week: queries.cycle_week(plan, starting + datetime.timedelta(weeks=week))
            for week in range(weeks)
        }
    else:
        source = {week: week % plan.pattern_weeks for week in range(weeks)}
    return frozenset(
        (str(a.user_id), ((week * 7) + a.weekday), a.shift_kind.code)
        for a in plan.assignments.select_related("shift_kind")
        for week in range(weeks)
        if source[week] == a.week
    )


def pattern_problem(
    weeks: int,
    *,
    current: RosterPlan | None = None,
    starting: datetime.date | None = None,
    fixed: Iterable[Slot] = (),
    forbidden: Iterable[Slot] = (),
) -> Built:
    """The weekly pattern to solve: every shift kind on its weekdays, holidays aside (the
    pattern is the ordinary week; holidays simply have no shifts when it is applied).
    ``current``: the plan to stay close to, as it will be from ``starting`` on."""
    kinds = {kind.code: kind for kind in queries.active_shift_kinds()}
    days = tuple(
        kernel.Day(
            index=index,
            weekday=index % 7,
            label=f"{index // 7}-{index % 7}",
            shifts=tuple(code for code, kind in kinds.items() if index % 7 in kind.weekdays),
        )
        for index in range(7 * weeks)
    )
    contracts = _rostered_contracts()
    users = {str(c.user_id): c.user for c in contracts}
    problem = kernel.RosterProblem(
        days=days,
        shift_types=_shift_types(kinds.values()),
        operators=tuple(_operator(c, days, set()) for c in contracts),
        requirements=_requirements(days),
        preferences=_preferences(days, users),
        current=plan_slots(current, weeks, starting=starting) if current else frozenset(),
        fixed=frozenset(fixed),
        forbidden=frozenset(forbidden),
        min_rest_minutes=_rest_minutes(),
        cyclic=True,
    )
    return Built(problem=problem, users=users, kinds=kinds)


def dated_problem(
    first: datetime.date,
    last: datetime.date,
    *,
    editable: tuple[datetime.date, datetime.date] | None = None,
) -> Built:
    """The dated horizon ``first..last`` with absences: ``current`` is what the roster says
    today, so the solver keeps everyone's shifts and adds the fewest substitutes. Outside
    ``editable`` (when given) the roster is frozen as it is: the days are there only so that a
    contract's weekly limits are judged on whole weeks."""
    all_kinds = queries.active_shift_kinds()
    kinds = {kind.code: kind for kind in all_kinds}
    roster = queries.roster_between(first, last)
    days = tuple(
        kernel.Day(
            index=index,
            weekday=day.day.weekday(),
            label=day.day.isoformat(),
            shifts=tuple(kind.code for kind in day.shifts),
        )
        for index, day in enumerate(roster)
    )
    contracts = _rostered_contracts()
    users = {str(c.user_id): c.user for c in contracts}
    absent: dict[str, set[int]] = {}
    for absence in queries.absences_between(first, last):
        for index, day in enumerate(roster):
            if absence.covers(day.day):
                absent.setdefault(str(absence.user_id), set()).add(index)
    current = frozenset(
        (str(entry.user.pk), index, entry.shift_kind.code)
        for index, day in enumerate(roster)
        for entry in day.rostered
        if str(entry.user.pk) in users
    )
    fixed: frozenset[Slot] = frozenset()
    forbidden: frozenset[Slot] = frozenset()
    frozen_days: set[int] = set()
    if editable is not None:
        frozen_days = {
            index for index, day in enumerate(roster) if not editable[0] <= day.day <= editable[1]
        }
        fixed = frozenset(slot for slot in current if slot[1] in frozen_days)
        forbidden = frozenset(
            (operator, index, shift)
            for operator in users
            for index in frozen_days
            for shift in days[index].shifts
            if (operator, index, shift) not in fixed
        )
    problem = kernel.RosterProblem(
        days=days,
        shift_types=_shift_types(kinds.values()),
        operators=tuple(_operator(c, days, absent.get(str(c.user_id), set())) for c in contracts),
        # A frozen day already short is not this search's to mend, and must not make it fail.
        requirements=tuple(
            requirement for requirement in _requirements(days) if requirement.day not in frozen_days
        ),
        preferences=(),
        current=current,
        fixed=fixed,
        forbidden=forbidden,
        weights=kernel.Weights(saturday_fairness=0, afternoon_fairness=0, stability=10),
        min_rest_minutes=_rest_minutes(),
        cyclic=False,
    )
    return Built(problem=problem, users=users, kinds=kinds, first_day=first)


def pattern_assignments(built: Built, slots: Iterable[Slot]) -> list[PatternAssignment]:
    return [
        PatternAssignment(
            user=built.users[operator],
            week=day // 7,
            weekday=day % 7,
            shift_kind=built.kinds[shift],
        )
        for operator, day, shift in sorted(slots)
    ]


# Explanations -----------------------------------------------------------------------------


def _who(built: Built, requirement: kernel.Requirement, count: int) -> str:
    if requirement.competence:
        return ngettext(
            "%(count)d operatore con la competenza «%(name)s»",
            "%(count)d operatori con la competenza «%(name)s»",
            count,
        ) % {"count": count, "name": built.group_name(requirement.competence, None)}
    if requirement.service:
        return ngettext(
            "%(count)d operatore del servizio «%(name)s»",
            "%(count)d operatori del servizio «%(name)s»",
            count,
        ) % {"count": count, "name": built.group_name(None, requirement.service)}
    return ngettext("%(count)d operatore", "%(count)d operatori", count) % {"count": count}


def _shift_name(built: Built, code: str) -> str:
    kind = built.kinds.get(code)
    return str(kind.name) if kind else code


def _group_name(built: Built, competence: str | None, service: str | None) -> str:
    if competence:
        return _("con la competenza «%(name)s»") % {"name": built.group_name(competence, None)}
    if service:
        return _("del servizio «%(name)s»") % {"name": built.group_name(None, service)}
    return _("in tutto")


def _operator_name(built: Built, operator: str | None) -> str:
    user = built.users.get(operator or "")
    return person_name(user) if user else (operator or "")


def explain_shortfall(built: Built, shortfall: kernel.Shortfall) -> str:
    """One sentence a coordinator can act on, e.g. "sabato, pomeriggio: servono 2 operatori
    con la competenza «Criminologia», ne è disponibile 1"."""
    requirement = shortfall.requirement
    if shortfall.reason == "not_enough_capacity" and (requirement is None or shortfall.day is None):
        return ngettext(
            "Nel periodo servono %(needed)d turni di operatori %(group)s, ma i loro contratti "
            "ne permettono solo %(available)d.",
            "Nel periodo servono %(needed)d turni di operatori %(group)s, ma i loro contratti "
            "ne permettono solo %(available)d.",
            shortfall.needed,
        ) % {
            "needed": shortfall.needed,
            "available": shortfall.available,
            "group": _group_name(built, shortfall.competence, shortfall.service),
        }
    if requirement is None:
        if shortfall.operator:
            return _(
                "Le regole di %(who)s (contratto, disponibilità, assenze, turni fissati) non si "
                "possono rispettare insieme alle coperture richieste."
            ) % {"who": _operator_name(built, shortfall.operator)}
        return _("Le regole dei contratti non si possono rispettare tutte insieme.")
    where = f"{built.day_label(requirement.day)}, {_shift_name(built, requirement.shift)}"
    needed = _who(built, requirement, shortfall.needed)
    if shortfall.reason == "not_enough_qualified":
        available = ngettext(
            "ne è disponibile %(count)d", "ne sono disponibili %(count)d", shortfall.available
        ) % {"count": shortfall.available}
        return ngettext(
            "%(where)s: serve %(needed)s, %(available)s.",
            "%(where)s: servono %(needed)s, %(available)s.",
            shortfall.needed,
        ) % {"where": where, "needed": needed, "available": available}
    if shortfall.reason == "not_enough_capacity":
        return ngettext(
            "%(where)s: serve %(needed)s, ma i contratti di chi ha questa qualifica "
            "permettono solo %(available)d turni quel giorno.",
            "%(where)s: servono %(needed)s, ma i contratti di chi ha questa qualifica "
            "permettono solo %(available)d turni quel giorno.",
            shortfall.needed,
        ) % {"where": where, "needed": needed, "available": shortfall.available}
    return ngettext(
        "%(where)s: serve %(needed)s, ma insieme alle altre coperture richieste e ai "
        "contratti non si riesce.",
        "%(where)s: servono %(needed)s, ma insieme alle altre coperture richieste e ai "
        "contratti non si riesce.",
        shortfall.needed,
    ) % {"where": where, "needed": needed}


def explain_violation(built: Built, violation: kernel.Violation) -> str:
    user = built.users.get(violation.operator or "")
    who = person_name(user) if user else ""
    day = built.day_label(violation.day) if violation.day is not None else ""
    if violation.rule == "coverage" and violation.requirement is not None:
        requirement = violation.requirement
        return ngettext(
            "%(where)s: serve %(needed)s, in turno ne resterebbe %(on_shift)d.",
            "%(where)s: servono %(needed)s, in turno ne resterebbero %(on_shift)d.",
            violation.needed,
        ) % {
            "where": f"{built.day_label(requirement.day)}, {_shift_name(built, requirement.shift)}",
            "needed": _who(built, requirement, violation.needed),
            "on_shift": violation.available,
        }
    messages = {
        "two_shifts_a_day": _("%(who)s ha due turni %(day)s."),
        "unavailable": _("%(who)s non è disponibile %(day)s."),
        "max_shifts": _("%(who)s supera i turni settimanali del contratto."),
        "min_shifts": _("%(who)s ha meno turni settimanali di quanti ne prevede il contratto."),
        "max_minutes": _("%(who)s supera le ore settimanali del contratto."),
        "min_minutes": _("%(who)s ha meno ore settimanali di quante ne prevede il contratto."),
        "max_consecutive_days": _("%(who)s supera i giorni consecutivi del contratto (%(day)s)."),
        "rest": _("%(who)s non ha il riposo minimo tra due turni (%(day)s)."),
        "forbidden": _("%(who)s non può essere messo in quel turno %(day)s."),
        "unknown_shift": _("Il turno indicato non si svolge %(day)s."),
        "coverage": _("%(day)s la copertura richiesta non è rispettata."),
        "min_consecutive_days": _("%(who)s lavora meno giorni di fila del minimo (%(day)s)."),
        "min_consecutive_days_off": _(
            "%(who)s ha meno giorni liberi di fila del minimo (%(day)s)."
        ),
        "max_weekends": _("%(who)s supera i fine settimana lavorati consentiti."),
    }
    return messages[violation.rule] % {"who": who, "day": day}


def introduced(built: Built, before: frozenset[Slot], after: frozenset[Slot]) -> list[str]:
    """The sentences for the hard rules ``after`` breaks that ``before`` did not, or breaks by
    more (a shift already short of one operator now short of two): a change that leaves a known
    problem as it was, or improves it, stays allowed (a hand edit of a proposal, a swap, a
    substitute for a shift short of two that is still short of one)."""

    def key(violation: kernel.Violation) -> tuple[object, ...]:
        return (
            violation.rule,
            violation.operator,
            violation.day,
            violation.shift,
            violation.requirement,
        )

    def excess(violation: kernel.Violation) -> int:
        return abs(violation.needed - violation.available)

    earlier: dict[tuple[object, ...], int] = {}
    for violation in kernel.check(built.problem, before):
        earlier[key(violation)] = max(earlier.get(key(violation), 0), excess(violation))
    sentences: list[str] = []
    for violation in kernel.check(built.problem, after):
        if key(violation) in earlier and excess(violation) <= earlier[key(violation)]:
            continue
        sentence = explain_violation(built, violation)
        if sentence not in sentences:
            sentences.append(sentence)
    return sentences


def dated_violations(
    *,
    add: Iterable[tuple[User, datetime.date, ShiftKind]] = (),
    remove: Iterable[tuple[User, datetime.date, ShiftKind]] = (),
) -> list[str]:
    """What the hard rules say about the effective roster once ``add`` and ``remove`` are
    applied (a swap, a substitute, a hand edit), over the whole weeks those days fall in, so a
    contract's weekly limits are judged on the real week. Only violations the change
    introduces or worsens are reported: a week already short stays the coordinator's other
    problem, not a reason to refuse a change that helps."""
    add, remove = list(add), list(remove)
    touched = [day for _user, day, _kind in add + remove]
    if not touched:
        return []
    first = queries.monday_of(min(touched))
    last = queries.monday_of(max(touched)) + datetime.timedelta(days=6)
    built = dated_problem(first, last)
    outsiders = [
        _("%(who)s non ha un contratto attivo nel piano turni.") % {"who": person_name(user)}
        for user, _day, _kind in add
        if str(user.pk) not in built.users
    ]
    if outsiders:
        return outsiders

    def slot(user: User, day: datetime.date, kind: ShiftKind) -> Slot:
        return (str(user.pk), (day - first).days, kind.code)

    before = built.problem.current
    after = (before - {slot(*entry) for entry in remove}) | {slot(*entry) for entry in add}
    return introduced(built, before, after)
