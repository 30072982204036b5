"""What the coordinator's planning pages show, read into plain data for the templates: the
plans and their periods, one plan's pattern beside the plan in force with the coverage it
gives, and where its solver run is or what it found, in words."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.rota import problems, queries
from sportello.rota.models import (
    Contract,
    CoverageRequirement,
    PatternAssignment,
    PlanStatus,
    RosterPlan,
    ShiftKind,
    SolveKind,
    SolverRun,
    SolveState,
)
from sportello.rota.solver import relative_gap
from sportello.rota.wording import abbreviation
from sportello.services.models import Weekday


@dataclass(frozen=True)
class ShiftMark:
    kind: ShiftKind
    letter: str

    @property
    def name(self) -> str:
        return str(self.kind.name)


def shift_marks() -> dict[int, ShiftMark]:
    """One letter per shift kind ("M", "P"); the code where two names share their letter."""
    kinds = list(ShiftKind.objects.all())
    letters = [str(kind.name)[:1].upper() for kind in kinds]
    return {
        kind.pk: ShiftMark(kind, letter if letters.count(letter) == 1 else kind.code)
        for kind, letter in zip(kinds, letters, strict=True)
    }


@dataclass(frozen=True)
class Column:
    week: int
    weekday: int
    label: str  # "lun" or "1·lun"
    full_label: str  # "lunedì" or "lunedì della settimana 1"


@dataclass(frozen=True)
class Cell:
    column: Column
    user: User
    now: ShiftMark | None
    before: ShiftMark | None
    compared: bool

    @property
    def change(self) -> str:
        """ "" when nothing changed, else "added", "removed" or "replaced"."""
        if not self.compared:
            return ""
        now = self.now.kind.pk if self.now else None
        before = self.before.kind.pk if self.before else None
        if now == before:
            return ""
        if before is None:
            return "added"
        return "removed" if now is None else "replaced"


@dataclass
class Row:
    user: User
    competences: list[tuple[str, str]]  # (abbreviation, name)
    contracted: bool
    cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class CoverageLine:
    what: str
    minimum: int
    count: int

    @property
    def met(self) -> bool:
        return self.count >= self.minimum

    @property
    def missing(self) -> int:
        return max(0, self.minimum - self.count)


@dataclass(frozen=True)
class CoverageShift:
    day: str
    kind: ShiftKind
    lines: list[CoverageLine]

    @property
    def met(self) -> bool:
        return all(line.met for line in self.lines)


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    compared_with: RosterPlan | None
    coverage: list[CoverageShift]
    marks: list[ShiftMark]
    competences: list[tuple[str, str]]

    @property
    def changes(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.change)

    @property
    def unmet(self) -> int:
        return sum(1 for shift in self.coverage if not shift.met)


def _competence_marks(user: User) -> list[tuple[str, str]]:
    profile = getattr(user, "professional_profile", None)
    if profile is None:
        return []
    return [(abbreviation(str(c.name)), str(c.name)) for c in profile.competences.all()]


def _columns(
    weeks: int, kinds: list[ShiftKind], assignments: list[PatternAssignment]
) -> list[Column]:
    held = {day for kind in kinds if kind.is_active for day in kind.weekdays}
    held |= {assignment.weekday for assignment in assignments}
    columns = []
    for week in range(weeks):
        for weekday in sorted(held):
            name = str(Weekday(weekday).label)
            if weeks == 1:
                columns.append(Column(week, weekday, name[:3], name))
            else:
                columns.append(
                    Column(
                        week,
                        weekday,
                        f"{week + 1}·{name[:3]}",
                        _("%(day)s della settimana %(week)d") % {"day": name, "week": week + 1},
                    )
                )
    return columns


def _coverage(built: problems.Built, slots: frozenset[problems.Slot]) -> list[CoverageShift]:
    """Per day and shift, each requirement and how many eligible operators the plan puts there."""
    operators = {operator.id: operator for operator in built.problem.operators}
    grouped: dict[tuple[int, str], list[CoverageLine]] = defaultdict(list)
    for requirement in built.problem.requirements:
        count = sum(
            1
            for operator_id, day, shift in slots
            if day == requirement.day
            and shift == requirement.shift
            and operator_id in operators
            and (
                requirement.competence is None
                or requirement.competence in operators[operator_id].competences
            )
            and (
                requirement.service is None
                or requirement.service in operators[operator_id].services
            )
        )
        if requirement.competence or requirement.service:
            what = built.group_name(requirement.competence, requirement.service)
        else:
            what = _("operatori in tutto")
        grouped[(requirement.day, requirement.shift)].append(
            CoverageLine(what, requirement.minimum, count)
        )
    order = {code: position for position, code in enumerate(built.kinds)}
    return [
        CoverageShift(built.day_label(day), built.kinds[shift], lines)
        for (day, shift), lines in sorted(grouped.items(), key=lambda g: (g[0][0], order[g[0][1]]))
    ]


def _compared_week(compared_with: RosterPlan, starting: datetime.date, week: int) -> int:
    """The week of the plan in force a proposal's ``week`` stands beside: the one the team
    would work then, if the proposal is published from ``starting`` (a two-week cycle may be
    in its second week that day)."""
    return queries.cycle_week(compared_with, starting + datetime.timedelta(weeks=week))


def plan_grid(plan: RosterPlan, today: datetime.date) -> Grid:
    """The plan's pattern, operator by operator, beside the plan in force today as it would
    go on from the Monday the proposal is published (next Monday, unless said otherwise)."""
    marks = shift_marks()
    in_force = queries.plan_in_force(today)
    compared_with = in_force if in_force is not None and in_force.pk != plan.pk else None
    users = User.objects.select_related("professional_profile").prefetch_related(
        "professional_profile__competences"
    )
    assignments = list(
        PatternAssignment.objects.filter(plan=plan).prefetch_related(Prefetch("user", users))
    )
    earlier = (
        list(
            PatternAssignment.objects.filter(plan=compared_with).prefetch_related(
                Prefetch("user", users)
            )
        )
        if compared_with
        else []
    )
    built = problems.pattern_problem(plan.pattern_weeks)
    # The operators the solver knows: active contracts, with their profiles already read.
    contracted = dict(built.users.items())
    people = {int(pk): user for pk, user in contracted.items()}
    for assignment in assignments + earlier:
        people.setdefault(assignment.user_id, assignment.user)
    now = {(a.user_id, a.week, a.weekday): marks[a.shift_kind_id] for a in assignments}
    before = {(a.user_id, a.week, a.weekday): marks[a.shift_kind_id] for a in earlier}
    columns = _columns(plan.pattern_weeks, [mark.kind for mark in marks.values()], assignments)
    starting = queries.next_monday(today)
    old_weeks = (
        {week: _compared_week(compared_with, starting, week) for week in range(plan.pattern_weeks)}
        if compared_with
        else {}
    )
    rows = []
    for user in sorted(people.values(), key=lambda u: (u.last_name, u.first_name, u.username)):
        row = Row(user, _competence_marks(user), str(user.pk) in contracted)
        for column in columns:
            row.cells.append(
                Cell(
                    column,
                    user,
                    now.get((user.pk, column.week, column.weekday)),
                    before.get((user.pk, old_weeks.get(column.week, 0), column.weekday)),
                    compared_with is not None,
                )
            )
        rows.append(row)
    competences = sorted({mark for row in rows for mark in row.competences})
    slots = frozenset(
        (str(a.user_id), a.week * 7 + a.weekday, marks[a.shift_kind_id].kind.code)
        for a in assignments
    )
    return Grid(
        columns=columns,
        rows=rows,
        compared_with=compared_with,
        coverage=_coverage(built, slots),
        marks=[mark for mark in marks.values() if mark.kind.is_active],
        competences=competences,
    )


@dataclass(frozen=True)
class PenaltyGroup:
    title: str
    items: list[str]
    total: int


@dataclass
class RunReport:
    run: SolverRun | None
    elapsed: int = 0
    solutions: int = 0
    objective: int | None = None
    bound: int | None = None
    gap: str = ""  # a percentage, in the user's number format
    outcome: str = ""
    shortfalls: list[str] = field(default_factory=list)
    penalties: list[PenaltyGroup] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.run is not None and self.run.state in (SolveState.QUEUED, SolveState.RUNNING)

    @property
    def penalty_total(self) -> int:
        return sum(group.total for group in self.penalties)


PENALTY_TITLES = {
    "preference_wanted": lambda: _("Preferenze non rispettate"),
    "preference_unwanted": lambda: _("Turni non graditi assegnati"),
    "saturday_fairness": lambda: _("Distribuzione dei sabati"),
    "afternoon_fairness": lambda: _("Distribuzione dei pomeriggi"),
    "stability_added": lambda: _("Turni aggiunti rispetto al piano di partenza"),
    "stability_removed": lambda: _("Turni tolti rispetto al piano di partenza"),
    "under_cover": lambda: _("Coperture sotto l'obiettivo"),
    "over_cover": lambda: _("Coperture oltre l'obiettivo"),
}


def _penalty_sentence(row: dict[str, Any], kinds: dict[str, ShiftKind], language: str) -> str:
    labels = row.get("day_label") or {}
    day = labels.get(language) or labels.get("it") or ""
    kind = kinds.get(row.get("shift") or "")
    when = _("%(day)s %(shift)s") % {"day": day, "shift": str(kind.name).lower()} if kind else day
    values = {"who": row.get("operator_name", ""), "when": when, "cost": row["cost"]}
    values["amount"] = row.get("amount", 1)
    sentences = {
        "preference_wanted": _("Preferenza di %(who)s non rispettata: %(when)s (peso %(cost)d)"),
        "preference_unwanted": _("Turno non gradito assegnato a %(who)s: %(when)s (peso %(cost)d)"),
        "saturday_fairness": _("Sabati distribuiti in modo diseguale: scarto %(amount)d"),
        "afternoon_fairness": _("Pomeriggi distribuiti in modo diseguale: scarto %(amount)d"),
        "stability_added": _("Turno nuovo per %(who)s: %(when)s"),
        "stability_removed": _("Turno tolto a %(who)s: %(when)s"),
        "under_cover": _("%(when)s: mancano %(amount)d operatori rispetto all'obiettivo"),
        "over_cover": _("%(when)s: %(amount)d operatori oltre l'obiettivo"),
    }
    return sentences.get(row["kind"], row["kind"]) % values


def _outcome(run: SolverRun, gap: str) -> str:
    if run.state == SolveState.FAILED:
        return _("il calcolo non è riuscito")
    return {
        "optimal": _("ottimo"),
        "feasible": _("ammissibile: scarto dimostrato %(gap)s%%") % {"gap": gap},
        "infeasible": _("impossibile"),
        "unknown": _("nessuna soluzione nel tempo dato"),
        "invalid": _("dati non validi: controlla turni, contratti e coperture"),
    }.get(run.outcome, run.outcome)


def run_report(plan: RosterPlan, now: datetime.datetime) -> RunReport:
    """Where the plan's solver run is, or what it found, in words."""
    run = plan.runs.filter(kind=SolveKind.PATTERN).first()
    if run is None:
        return RunReport(None)
    report = RunReport(run, solutions=len(run.progress))
    started = run.started_at or run.requested_at
    end = run.finished_at or now
    report.elapsed = max(0, int((end - started).total_seconds()))
    last = run.progress[-1] if run.progress else {}
    report.objective = run.objective if run.objective is not None else last.get("objective")
    report.bound = run.best_bound if run.best_bound is not None else last.get("bound")
    gap = relative_gap(report.objective, report.bound)
    if gap is not None:
        report.gap = formats.number_format(gap * 100, 1)
    if report.active:
        return report
    report.outcome = _outcome(run, report.gap)
    language = (get_language() or "it").split("-")[0]
    report.shortfalls = [
        row["text"].get(language) or row["text"].get("it", "") for row in run.shortfalls
    ]
    kinds = {kind.code: kind for kind in ShiftKind.objects.all()}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in run.penalties:
        grouped[row["kind"]].append(row)
    report.penalties = [
        PenaltyGroup(
            str(PENALTY_TITLES[kind]()) if kind in PENALTY_TITLES else kind,
            [_penalty_sentence(row, kinds, language) for row in rows],
            sum(row["cost"] for row in rows),
        )
        for kind, rows in grouped.items()
    ]
    return report


@dataclass(frozen=True)
class PublishedPlan:
    plan: RosterPlan
    until: datetime.date | None
    in_force: bool


@dataclass(frozen=True)
class RequirementSummary:
    what: str
    shifts: int
    least: int
    most: int


def plans_overview(today: datetime.date) -> dict[str, Any]:
    """The published plans with their periods, the proposals, the coverage and contracts."""
    published = queries.published_plans()
    in_force = queries.plan_in_force(today, published)
    periods = [
        PublishedPlan(
            plan,
            following.valid_from - datetime.timedelta(days=1)
            if following and following.valid_from
            else None,
            in_force is not None and plan.pk == in_force.pk,
        )
        for plan, following in zip(published, [*published[1:], None], strict=False)
    ]
    drafts = list(
        RosterPlan.objects.filter(status=PlanStatus.DRAFT)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("runs", SolverRun.objects.filter(kind=SolveKind.PATTERN), to_attr="pattern")
        )
    )
    summary: dict[str, list[int]] = defaultdict(list)
    for requirement in CoverageRequirement.objects.select_related("competence", "service"):
        if requirement.competence:
            what = str(requirement.competence.name)
        elif requirement.service:
            what = str(requirement.service.name)
        else:
            what = _("operatori in tutto")
        summary[what].append(requirement.minimum)
    rostered = queries.shift_staff().count()
    gaps = queries.uncovered_opening_hours()
    return {
        "published": periods,
        "in_force": in_force,
        "drafts": [(draft, draft.pattern[0] if draft.pattern else None) for draft in drafts],
        "requirements": [
            RequirementSummary(what, len(minimums), min(minimums), max(minimums))
            for what, minimums in sorted(summary.items())
        ],
        "contracts": Contract.objects.filter(is_active=True, user__is_active=True).count(),
        "rostered_staff": rostered,
        "gaps": [
            {"day": Weekday(gap.weekday).label, "starts": gap.starts, "ends": gap.ends}
            for gap in gaps
        ],
    }
