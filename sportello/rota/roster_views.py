"""Pages of the dated roster: the week, the absences and the search for substitutes.

Everyone who needs to know who is on shift reads the week; only coordinators see why someone
is absent (an absence's kind can be a health fact) and change anything."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.models import User
from sportello.privacy.models import AuditEvent
from sportello.rota import absence_operations as operations
from sportello.rota import policies, queries, solving
from sportello.rota.models import (
    Absence,
    Contract,
    CoverageRequirement,
    ShiftChange,
    ShiftKind,
    SolveKind,
    SolverRun,
    SolveState,
)
from sportello.rota.roster_forms import AbsenceForm, ShiftChangeForm
from sportello.services import queries as catalogue
from sportello.services.models import Weekday

View = Callable[..., HttpResponse]
ONE_WEEK = datetime.timedelta(days=7)
COVER_REFRESH_SECONDS = 2
# Words an abbreviation skips: "Sostegno alle vittime di reato" is SVR.
_SMALL_WORDS = frozenset(
    {"a", "al", "alla", "alle", "del", "dei", "della", "delle", "di", "e", "ed", "in", "nella"}
    | {"nelle", "nel", "per", "il", "la", "le", "lo", "gli", "i", "of", "the", "and", "for", "to"}
)


def allowed_if(policy: Callable[[User], bool]) -> Callable[[View], View]:
    """Signed-in staff whose role the policy accepts; anyone else gets 403."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not policy(request.user):  # type: ignore[arg-type]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def abbreviation(name: str) -> str:
    """A short tag for a competence or service, e.g. "Psicologia clinica" → "PC"."""
    words = [word for word in name.replace("'", " ").split() if word.lower() not in _SMALL_WORDS]
    if len(words) > 1:
        return "".join(word[0].upper() for word in words[:4])
    return words[0][:3].capitalize() if words else name[:3]


# The week's table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    short: str
    full: str


@dataclass(frozen=True)
class Entry:
    user: User
    tags: list[Tag]
    change: ShiftChange | None


@dataclass(frozen=True)
class AbsentEntry:
    user: User
    kind: str  # empty for whoever may not know why


@dataclass(frozen=True)
class RequirementStatus:
    met: bool
    sentence: str


@dataclass
class Cell:
    kind: ShiftKind
    held: bool
    entries: list[Entry] = field(default_factory=list)
    absent: list[AbsentEntry] = field(default_factory=list)
    removed: list[ShiftChange] = field(default_factory=list)
    requirements: list[RequirementStatus] = field(default_factory=list)
    addable: list[User] = field(default_factory=list)

    @property
    def unmet(self) -> list[RequirementStatus]:
        return [status for status in self.requirements if not status.met]


@dataclass(frozen=True)
class DayRow:
    day: datetime.date
    weekday: str
    closed: str | None  # None: the desk is open; otherwise why it is closed
    cells: list[Cell]


def _tags(user: User) -> list[Tag]:
    profile = getattr(user, "professional_profile", None)
    if profile is None:
        return []
    named = [*profile.competences.all(), *profile.services.all()]
    return [Tag(abbreviation(str(item.name)), str(item.name)) for item in named]


def _requirements_by_slot() -> dict[tuple[int, int], list[CoverageRequirement]]:
    found: dict[tuple[int, int], list[CoverageRequirement]] = defaultdict(list)
    for row in CoverageRequirement.objects.select_related("shift_kind", "competence", "service"):
        found[(row.weekday, row.shift_kind_id)].append(row)
    return found


def _who(requirement: CoverageRequirement) -> str:
    count = requirement.minimum
    if requirement.competence is not None:
        return ngettext(
            "almeno %(count)d operatore con la competenza «%(name)s»",
            "almeno %(count)d operatori con la competenza «%(name)s»",
            count,
        ) % {"count": count, "name": requirement.competence.name}
    if requirement.service is not None:
        return ngettext(
            "almeno %(count)d operatore del servizio «%(name)s»",
            "almeno %(count)d operatori del servizio «%(name)s»",
            count,
        ) % {"count": count, "name": requirement.service.name}
    return ngettext("almeno %(count)d operatore", "almeno %(count)d operatori", count) % {
        "count": count
    }


def _counts_for(requirement: CoverageRequirement, user: User) -> bool:
    if requirement.competence_id is None and requirement.service_id is None:
        return True
    profile = getattr(user, "professional_profile", None)
    if profile is None:
        return False
    if requirement.competence_id is not None:
        return any(c.pk == requirement.competence_id for c in profile.competences.all())
    return any(s.pk == requirement.service_id for s in profile.services.all())


def requirement_statuses(
    requirements: Iterable[CoverageRequirement], rostered: Iterable[queries.RosteredShift]
) -> list[RequirementStatus]:
    rostered = list(rostered)
    statuses = []
    for requirement in requirements:
        present = sum(1 for entry in rostered if _counts_for(requirement, entry.user))
        sentence = _("%(who)s: %(count)d in turno.") % {"who": _who(requirement), "count": present}
        statuses.append(RequirementStatus(present >= requirement.minimum, sentence))
    return statuses


def week_rows(monday: datetime.date, *, for_planner: bool) -> tuple[list[ShiftKind], list[DayRow]]:
    """The week from ``monday``: one row a day, one cell a shift kind."""
    sunday = monday + datetime.timedelta(days=6)
    calendar = catalogue.opening_calendar()
    columns = sorted(queries.active_shift_kinds(), key=lambda kind: (kind.starts, kind.position))
    requirements = _requirements_by_slot()
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in queries.absences_between(monday, sunday):
        absences[absence.user_id].append(absence)
    removed: dict[tuple[datetime.date, int], list[ShiftChange]] = defaultdict(list)
    for change in ShiftChange.objects.filter(
        day__range=(monday, sunday), applied=True, on_shift=False
    ).select_related("user"):
        removed[(change.day, change.shift_kind_id)].append(change)
    operators = (
        [
            contract.user
            for contract in Contract.objects.filter(is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__username")
        ]
        if for_planner
        else []
    )
    rows = []
    for roster in queries.roster_between(monday, sunday):
        held = {kind.pk for kind in roster.shifts}
        cells = []
        for kind in columns:
            cell = Cell(kind=kind, held=kind.pk in held)
            if cell.held:
                rostered = roster.on(kind)
                cell.entries = [Entry(e.user, _tags(e.user), e.change) for e in rostered]
                cell.absent = [
                    AbsentEntry(user, _absence_kind(absences, user, roster.day, for_planner))
                    for user, absent_kind in roster.absent
                    if absent_kind.pk == kind.pk
                ]
                cell.removed = removed.get((roster.day, kind.pk), [])
                cell.requirements = requirement_statuses(
                    requirements.get((roster.day.weekday(), kind.pk), []), rostered
                )
                present = {entry.user.pk for entry in rostered}
                cell.addable = [user for user in operators if user.pk not in present]
            cells.append(cell)
        rows.append(
            DayRow(
                day=roster.day,
                weekday=str(Weekday(roster.day.weekday()).label),
                closed=None if roster.shifts else (calendar.closure_reason(roster.day) or ""),
                cells=cells,
            )
        )
    return columns, rows


def _absence_kind(
    absences: dict[int, list[Absence]], user: User, day: datetime.date, for_planner: bool
) -> str:
    if not for_planner:
        return ""
    for absence in absences.get(user.pk, []):
        if absence.covers(day):
            return absence.get_kind_display()
    return ""


def _week_of(request: HttpRequest) -> datetime.date:
    today = catalogue.now().astimezone(catalogue.desk_zone()).date()
    try:
        wanted = datetime.date.fromisoformat(request.GET.get("settimana", ""))
    except ValueError:
        wanted = today
    return queries.monday_of(wanted)


@allowed_if(policies.sees_who_is_on_shift)
@never_cache
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    monday = _week_of(request)
    planner = policies.plans_roster(user)
    columns, rows = week_rows(monday, for_planner=planner)
    today = catalogue.now().astimezone(catalogue.desk_zone()).date()
    return render(
        request,
        "rota/roster/week.html",
        {
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous": monday - ONE_WEEK,
            "next": monday + ONE_WEEK,
            "this_week": queries.monday_of(today),
            "columns": columns,
            "rows": rows,
            "planner": planner,
            "plan": queries.plan_in_force(monday + datetime.timedelta(days=6)),
        },
    )


@allowed_if(policies.plans_roster)
@require_POST
def shift_change(request: HttpRequest) -> HttpResponse:
    form = ShiftChangeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("rota:roster")
    data = form.cleaned_data
    try:
        operations.change_shift(
            request.user,  # type: ignore[arg-type]
            user=data["user"],
            day=data["day"],
            shift_kind=data["shift_kind"],
            on_shift=data["on_shift"],
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        names = {
            "name": _name(data["user"]),
            "shift": data["shift_kind"].name,
            "day": f"{data['day']:%d/%m/%Y}",
        }
        messages.success(
            request,
            (
                _("%(name)s aggiunto al turno «%(shift)s» del %(day)s.")
                if data["on_shift"]
                else _("%(name)s tolto dal turno «%(shift)s» del %(day)s.")
            )
            % names,
        )
    monday = queries.monday_of(data["day"])
    return redirect(f"{reverse('rota:roster')}?settimana={monday.isoformat()}")


# Absences -----------------------------------------------------------------------------------


def cover_period(absence: Absence) -> tuple[datetime.date, datetime.date] | None:
    """The days of an absence still to cover: from today, at most a cover run's horizon."""
    today = catalogue.now().astimezone(catalogue.desk_zone()).date()
    first = max(absence.first_day, today)
    last = min(absence.last_day, first + datetime.timedelta(days=solving.MAX_COVER_DAYS - 1))
    return (first, last) if first <= last else None


def unmet_during(first: datetime.date, last: datetime.date) -> list[str]:
    """Each requirement the effective roster misses between two days, as a sentence."""
    requirements = _requirements_by_slot()
    found = []
    for roster in queries.roster_between(first, last):
        for kind in roster.shifts:
            rows = requirements.get((roster.day.weekday(), kind.pk), [])
            for status in requirement_statuses(rows, roster.on(kind)):
                if not status.met:
                    found.append(
                        f"{Weekday(roster.day.weekday()).label} {roster.day:%d/%m/%Y}, "
                        f"{kind.name}: {status.sentence}"
                    )
    return found


def _absences_page(request: HttpRequest, form: AbsenceForm, status: int = 200) -> HttpResponse:
    today = catalogue.now().astimezone(catalogue.desk_zone()).date()
    recorded = None
    recorded_pk = request.GET.get("registrata", "")
    if recorded_pk.isdigit():
        recorded = (
            Absence.objects.filter(pk=int(recorded_pk), cancelled_at__isnull=True)
            .select_related("user")
            .first()
        )
    period = cover_period(recorded) if recorded else None
    return render(
        request,
        "rota/roster/absences.html",
        {
            "form": form,
            "absences": Absence.objects.filter(cancelled_at__isnull=True, last_day__gte=today)
            .select_related("user", "recorded_by")
            .order_by("first_day", "user__last_name"),
            "recorded": recorded,
            "period": period,
            "unmet": unmet_during(*period) if period else [],
        },
        status=status,
    )


@allowed_if(policies.plans_roster)
@never_cache
@require_http_methods(["GET", "POST"])
def absences(request: HttpRequest) -> HttpResponse:
    form = AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence = operations.record_absence(
                request.user,  # type: ignore[arg-type]
                user=data["user"],
                kind=data["kind"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                note=data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Assenza di %(name)s registrata dal %(first)s al %(last)s.")
                % {
                    "name": _name(absence.user),
                    "first": f"{absence.first_day:%d/%m/%Y}",
                    "last": f"{absence.last_day:%d/%m/%Y}",
                },
            )
            return redirect(f"{reverse('rota:absences')}?registrata={absence.pk}")
    return _absences_page(request, form, status=400 if form.errors else 200)


def _absence(pk: int) -> Absence:
    absence = Absence.objects.select_related("user").filter(pk=pk).first()
    if absence is None:
        raise Http404
    return absence


@allowed_if(policies.plans_roster)
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    absence = _absence(pk)
    try:
        operations.cancel_absence(request.user, absence)  # type: ignore[arg-type]
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Assenza di %(name)s annullata.") % {"name": _name(absence.user)}
        )
    return redirect("rota:absences")


@allowed_if(policies.plans_roster)
@require_POST
def absence_cover(request: HttpRequest, pk: int) -> HttpResponse:
    absence = _absence(pk)
    period = cover_period(absence) if absence.cancelled_at is None else None
    if period is None:
        messages.error(request, _("Questa assenza non ha più giorni da coprire."))
        return redirect("rota:absences")
    plan = queries.plan_in_force(period[0])
    if plan is None:
        messages.error(request, _("Non c'è un piano turni pubblicato in vigore in quei giorni."))
        return redirect("rota:absences")
    try:
        run = solving.request_cover(
            request.user,  # type: ignore[arg-type]
            plan,
            first_day=period[0],
            last_day=period[1],
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect("rota:absences")
    return redirect("rota:cover", pk=run.pk)


# Cover runs ---------------------------------------------------------------------------------


def _when(day: datetime.date, kind: ShiftKind) -> str:
    return f"{Weekday(day.weekday()).label} {day:%d/%m} {str(kind.name).lower()}"


def proposal_lines(
    run: SolverRun, changes: list[ShiftChange]
) -> list[tuple[datetime.date, list[str]]]:
    """Each day's proposals in words: who replaces whom, who is added or taken off."""
    assert run.first_day is not None and run.last_day is not None
    absent: dict[tuple[datetime.date, int], list[User]] = defaultdict(list)
    for day in queries.roster_between(run.first_day, run.last_day):
        for user, kind in day.absent:
            absent[(day.day, kind.pk)].append(user)
    slots: dict[tuple[datetime.date, int], tuple[ShiftKind, list[User], list[User]]] = {}
    for change in changes:
        key = (change.day, change.shift_kind_id)
        slot = slots.setdefault(key, (change.shift_kind, [], []))
        (slot[1] if change.on_shift else slot[2]).append(change.user)
    by_day: dict[datetime.date, list[str]] = defaultdict(list)
    for (day, kind_pk), (kind, added, taken_off) in sorted(
        slots.items(), key=lambda item: (item[0][0], item[1][0].starts)
    ):
        replaced = taken_off + [
            user for user in absent.get((day, kind_pk), []) if user not in taken_off
        ]
        when = _when(day, kind)
        for index, user in enumerate(added):
            if index < len(replaced):
                sentence = _("%(who)s sostituisce %(whom)s, %(when)s") % {
                    "who": _name(user),
                    "whom": _name(replaced[index]),
                    "when": when,
                }
            else:
                sentence = _("%(who)s entra in turno, %(when)s") % {
                    "who": _name(user),
                    "when": when,
                }
            by_day[day].append(sentence)
        for user in taken_off[len(added) :]:
            by_day[day].append(
                _("%(who)s esce dal turno, %(when)s") % {"who": _name(user), "when": when}
            )
    return sorted(by_day.items())


def _cover_run(pk: int) -> SolverRun:
    run = SolverRun.objects.select_related("plan").filter(pk=pk, kind=SolveKind.COVER).first()
    if run is None:
        raise Http404
    return run


@allowed_if(policies.plans_roster)
@never_cache
@require_GET
def cover(request: HttpRequest, pk: int) -> HttpResponse:
    run = _cover_run(pk)
    finished = run.state in (SolveState.DONE, SolveState.FAILED)
    changes = list(
        run.changes.select_related("user", "shift_kind").order_by("day", "shift_kind__starts")
    )
    proposed = [change for change in changes if not change.applied]
    language = (request.LANGUAGE_CODE or "it")[:2]  # type: ignore[attr-defined]
    context = {
        "run": run,
        "finished": finished,
        "refresh_seconds": COVER_REFRESH_SECONDS,
        "lines": proposal_lines(run, changes) if finished and changes else [],
        "change_count": len(changes),
        "proposed": bool(proposed),
        "applied": bool(changes) and not proposed,
        # Rejected proposals are deleted: only the audit remembers that there were some.
        "rejected": not changes
        and AuditEvent.objects.filter(
            object_type="rota.cover", object_id=str(run.pk), action="reject"
        ).exists(),
        "solved": run.state == SolveState.DONE and run.outcome in operations.APPLICABLE_OUTCOMES,
        "shortfalls": [
            row.get("text", {}).get(language) or row.get("text", {}).get("it", "")
            for row in run.shortfalls
        ],
    }
    template = "rota/roster/_cover_live.html" if request.htmx else "rota/roster/cover.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@allowed_if(policies.plans_roster)
@require_POST
def cover_apply(request: HttpRequest, pk: int) -> HttpResponse:
    run = _cover_run(pk)
    try:
        count = operations.apply_cover(request.user, run)  # type: ignore[arg-type]
    except ValidationError as error:
        _refused(request, error)
        return redirect("rota:cover", pk=run.pk)
    messages.success(
        request,
        ngettext(
            "%(count)d cambiamento applicato al piano turni.",
            "%(count)d cambiamenti applicati al piano turni.",
            count,
        )
        % {"count": count},
    )
    assert run.first_day is not None
    return redirect(
        f"{reverse('rota:roster')}?settimana={queries.monday_of(run.first_day).isoformat()}"
    )


@allowed_if(policies.plans_roster)
@require_POST
def cover_reject(request: HttpRequest, pk: int) -> HttpResponse:
    run = _cover_run(pk)
    try:
        operations.reject_cover(request.user, run)  # type: ignore[arg-type]
    except ValidationError as error:
        _refused(request, error)
        return redirect("rota:cover", pk=run.pk)
    messages.success(request, _("Sostituzioni proposte scartate."))
    return redirect("rota:absences")
