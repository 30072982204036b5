"""The coordinator's planning pages: the plans and a new proposal, one plan's run, its grid
beside the plan in force, hand edits, publishing and discarding.

The first half reads what the pages show (plain data for the templates); the views below it
parse, call one operation or read, and render."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.rota import plan_operations, policies, problems, queries, solving
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
from sportello.rota.plan_forms import CellForm, DiscardForm, GenerateForm, PublishForm
from sportello.services import queries as catalogue
from sportello.services.models import Competence, Service, Weekday

View = Callable[..., HttpResponse]

# Reading the plans ------------------------------------------------------------------------


def abbreviation(name: str) -> str:
    """ "Psicologia clinica" → "PC", "Criminologia" → "Cri": short enough for a grid cell."""
    words = [word for word in name.split() if len(word) > 3]
    if len(words) > 1:
        return "".join(word[0].upper() for word in words)
    return (words[0] if words else name)[:3].capitalize()


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


def _columns(weeks: int, assignments: list[PatternAssignment]) -> list[Column]:
    held = {day for kind in queries.active_shift_kinds() for day in kind.weekdays}
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
    names = {c.code: str(c.name) for c in Competence.objects.all()}
    services = {s.code: str(s.name) for s in Service.objects.all()}
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
        if requirement.competence:
            what = names.get(requirement.competence, requirement.competence)
        elif requirement.service:
            what = services.get(requirement.service, requirement.service)
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


def plan_grid(plan: RosterPlan, today: datetime.date) -> Grid:
    """The plan's pattern, operator by operator, beside the plan in force today."""
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
    contracted = {
        contract.user_id: contract.user
        for contract in Contract.objects.filter(
            is_active=True, user__is_active=True
        ).prefetch_related(Prefetch("user", users))
    }
    people = {**contracted}
    for assignment in assignments + earlier:
        people.setdefault(assignment.user_id, assignment.user)
    now = {(a.user_id, a.week, a.weekday): marks[a.shift_kind_id] for a in assignments}
    before = {(a.user_id, a.week, a.weekday): marks[a.shift_kind_id] for a in earlier}
    columns = _columns(plan.pattern_weeks, assignments)
    rows = []
    for user in sorted(people.values(), key=lambda u: (u.last_name, u.first_name, u.username)):
        row = Row(user, _competence_marks(user), user.pk in contracted)
        for column in columns:
            # A plan in force with a shorter cycle repeats: its week is this week modulo its own.
            old_week = column.week % compared_with.pattern_weeks if compared_with else 0
            row.cells.append(
                Cell(
                    column,
                    user,
                    now.get((user.pk, column.week, column.weekday)),
                    before.get((user.pk, old_week, column.weekday)),
                    compared_with is not None,
                )
            )
        rows.append(row)
    competences = sorted({mark for row in rows for mark in row.competences})
    return Grid(
        columns=columns,
        rows=rows,
        compared_with=compared_with,
        coverage=_coverage(built, problems.plan_slots(plan)),
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
    if report.objective is not None and report.bound is not None:
        gap = (
            0.0
            if report.objective == 0
            else abs(report.objective - report.bound) / abs(report.objective)
        )
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
    rostered = (
        User.objects.filter(
            is_active=True, groups__name__in=[Role.PROFESSIONAL.value, Role.COORDINATOR.value]
        )
        .distinct()
        .count()
    )
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


def next_monday(today: datetime.date) -> datetime.date:
    return queries.monday_of(today) + datetime.timedelta(days=7)


# Views ------------------------------------------------------------------------------------


def coordinators_only(view: View) -> View:
    """Signed-in coordinators; anyone else gets 403, and a plan that does not exist a 404."""

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policies.plans_roster(request.user):  # type: ignore[arg-type]
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except (RosterPlan.DoesNotExist, User.DoesNotExist):
            raise Http404 from None

    return guarded


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@coordinators_only
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    today = plan_operations.desk_today()
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = solving.request_pattern(
                _actor(request),
                weeks=form.cleaned_data["weeks"],
                time_limit_s=form.cleaned_data["time_limit_s"],
                based_on=queries.plan_in_force(today)
                if form.cleaned_data["from_current"]
                else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("rota:plan", pk=run.plan_id)
    return render(
        request,
        "rota/plans/plans.html",
        {
            **plans_overview(today),
            "form": form,
            "admin_requirements": reverse("admin:rota_coveragerequirement_changelist"),
            "admin_contracts": reverse("admin:rota_contract_changelist"),
        },
        status=400 if form.errors else 200,
    )


def _plan_page(
    request: HttpRequest,
    plan: RosterPlan,
    *,
    publish_form: PublishForm | None = None,
    discard_form: DiscardForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = plan_operations.desk_today()
    report = run_report(plan, catalogue.now())
    return render(
        request,
        "rota/plans/plan.html",
        {
            "plan": plan,
            "report": report,
            "grid": None if report.active else plan_grid(plan, today),
            "editable": plan.status == PlanStatus.DRAFT and not report.active,
            "publish_form": publish_form or PublishForm(initial={"valid_from": next_monday(today)}),
            "discard_form": discard_form or DiscardForm(),
        },
        status=status,
    )


@coordinators_only
@require_http_methods(["GET"])
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    found = RosterPlan.objects.get(pk=pk)
    if request.htmx:  # type: ignore[attr-defined]
        report = run_report(found, catalogue.now())
        if not report.active:
            # The run has finished: the whole page changes (outcome, grid, forms).
            return HttpResponseClientRefresh()
        return render(request, "rota/plans/_run_progress.html", {"plan": found, "report": report})
    return _plan_page(request, found)


def _grid_fragment(
    request: HttpRequest,
    found: RosterPlan,
    *,
    refusal: list[str] | None = None,
    saved: bool = False,
) -> HttpResponse:
    return render(
        request,
        "rota/plans/_grid.html",
        {
            "plan": found,
            "grid": plan_grid(found, plan_operations.desk_today()),
            "editable": found.status == PlanStatus.DRAFT,
            "refusal": refusal or [],
            "saved": saved,
        },
    )


@coordinators_only
@require_http_methods(["GET", "POST"])
def plan_cell(request: HttpRequest, pk: int, user_pk: int, week: int, weekday: int) -> HttpResponse:
    """One operator's day of the pattern: a select among the shifts held that weekday."""
    found = RosterPlan.objects.get(pk=pk)
    operator = User.objects.get(pk=user_pk)
    kinds = [kind for kind in queries.active_shift_kinds() if weekday in kind.weekdays]
    current = PatternAssignment.objects.filter(
        plan=found, user=operator, week=week, weekday=weekday
    ).first()
    form = CellForm(
        request.POST or None,
        kinds=kinds,
        initial={"shift": current.shift_kind.code if current else ""},
        # Several cells' forms can be open on one page: each its own ids.
        auto_id=f"cell-{operator.pk}-{week}-{weekday}-%s",
    )
    refusal: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            plan_operations.edit_assignment(
                _actor(request),
                found,
                user=operator,
                week=week,
                weekday=weekday,
                shift_kind=form.shift_kind(),
            )
        except ValidationError as error:
            refusal = error.messages
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return _grid_fragment(request, found, saved=True)
            messages.success(request, _("Modifica salvata."))
            return redirect(reverse("rota:plan", args=[found.pk]) + "#plan-grid")
        if request.htmx:  # type: ignore[attr-defined]
            return _grid_fragment(request, found, refusal=refusal)
    context = {
        "plan": found,
        "operator": operator,
        "week": week,
        "weekday": weekday,
        "day": _cell_day(found, week, weekday),
        "form": form,
        "refusal": refusal,
    }
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "rota/plans/_cell_form.html", context)
    failed = bool(refusal or form.errors)
    return render(request, "rota/plans/cell.html", context, status=400 if failed else 200)


def _cell_day(found: RosterPlan, week: int, weekday: int) -> str:
    name = str(Weekday(weekday).label) if weekday in Weekday.values else str(weekday)
    if found.pattern_weeks == 1:
        return name
    return _("%(day)s della settimana %(week)d") % {"day": name, "week": week + 1}


@coordinators_only
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = RosterPlan.objects.get(pk=pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            plan_operations.publish(
                _actor(request), found, valid_from=form.cleaned_data["valid_from"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Piano pubblicato: in vigore dal %(day)s.")
                % {"day": form.cleaned_data["valid_from"].strftime("%d/%m/%Y")},
            )
            return redirect("rota:plan", pk=found.pk)
    return _plan_page(request, found, publish_form=form, status=400)


@coordinators_only
@require_POST
def plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    found = RosterPlan.objects.get(pk=pk)
    form = DiscardForm(request.POST)
    if form.is_valid():
        try:
            plan_operations.discard(_actor(request), found)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Proposta scartata."))
            return redirect("rota:plans")
    return _plan_page(request, found, discard_form=form, status=400)
