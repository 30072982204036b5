"""The roster in a real Chromium: the coordinator's planning (a proposal computed, reviewed
beside the plan in force, edited by hand and published), the dated week, absences and their
substitutes, the staffing charts and calculator, and the operator's own shifts and swaps. Each
page state is checked with axe-core and photographed to be looked at."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from sportello.accounts.models import User
from sportello.rota import plan_operations
from sportello.rota.models import PatternAssignment, PlanStatus, RosterPlan, ShiftKind
from sportello.testing import rome
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THIS_MONDAY_8 = rome(2026, 11, 30, 8, 0)
TUESDAY_10 = rome(2026, 12, 1, 10, 0)
NEXT_MONDAY = datetime.date(2026, 12, 7)


def sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/personale/accesso/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"demo-{username}-2026")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def console_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Errors the page writes to the console, or throws, from now on."""
    errors: list[str] = []

    def record(message) -> None:  # type: ignore[no-untyped-def]
        # The browser asks for /favicon.ico by itself; the site has none to give.
        if message.type == "error" and not message.location.get("url", "").endswith("favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", record)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def demo(milan, frozen_now, settings):  # type: ignore[no-untyped-def]
    """The demo's desk on a Tuesday morning: its team, rules and a weekly roster published from
    the Monday of this week (seeded then, so that the whole week has a plan)."""
    settings.SPORTELLO_DEMO = True
    frozen_now(THIS_MONDAY_8)
    call_command("seed_demo", verbosity=0)
    assert RosterPlan.objects.filter(status=PlanStatus.PUBLISHED).count() == 1
    frozen_now(TUESDAY_10)


class _Undo(Exception):
    pass


def _edit_outcome(plan: RosterPlan, user: User, weekday: int, kind: ShiftKind | None) -> bool:
    """Whether the plan would accept the edit; nothing is kept either way."""
    coordinator = User.objects.get(username="coordinatore")
    try:
        with transaction.atomic():
            plan_operations.edit_assignment(
                coordinator, plan, user=user, week=0, weekday=weekday, shift_kind=kind
            )
            raise _Undo
    except _Undo:
        return True
    except ValidationError:
        return False


def an_allowed_edit(plan: RosterPlan) -> tuple[User, int, ShiftKind]:
    """A change to one cell of the proposal that breaks no rule: a shift moved or added."""
    kinds = list(ShiftKind.objects.filter(is_active=True).order_by("starts"))
    assigned = {
        (row.user_id, row.weekday): row.shift_kind_id
        for row in PatternAssignment.objects.filter(plan=plan)
    }
    for user in User.objects.filter(rota_contract__isnull=False).order_by("username"):
        for weekday in range(6):
            for kind in kinds:
                if assigned.get((user.pk, weekday)) == kind.pk:
                    continue
                if _edit_outcome(plan, user, weekday, kind):
                    return user, weekday, kind
    raise AssertionError("no allowed edit in the proposal")


def test_the_coordinator_computes_reviews_edits_and_publishes_a_roster(page, live_server, demo):
    errors = console_errors(page)
    in_force = RosterPlan.objects.get(status=PlanStatus.PUBLISHED)
    sign_in(page, live_server, "coordinatore")
    page.goto(f"{live_server.url}/personale/turni/piani/")
    main = page.inner_text("main")
    assert f"Piano n. {in_force.pk}" in main and "in vigore oggi" in main
    assert axe_violations(page) == []
    screenshot(page, "roster-plans")

    # A new one-week proposal, from the plan in force, with a short time limit.
    page.click("label[for=id_weeks_0]")
    page.fill("#id_time_limit_s", "10")
    assert page.is_checked("#id_from_current")
    page.get_by_role("button", name="Calcola la proposta").click()
    page.wait_for_url("**/personale/turni/piani/*/")
    # Tests run the solver eagerly: the run may be over when the page loads; if not, the
    # progress fragment polls until the page reloads with the outcome.
    page.get_by_role("heading", name="Esito del calcolo").wait_for(timeout=30_000)
    proposal = RosterPlan.objects.get(status=PlanStatus.DRAFT)
    assert proposal.based_on_id == in_force.pk
    outcome = page.locator("section[aria-labelledby=outcome-heading] .lead").inner_text()
    assert outcome.split(" ·")[0] in ("Ottimo", "Ammissibile")
    grid = page.locator("#plan-grid")
    assert f"Confronto con il piano in vigore (n. {in_force.pk}" in grid.inner_text()
    assert axe_violations(page) == []

    # An allowed hand edit through the cell's editor: saved, and marked as a change.
    user, weekday, kind = an_allowed_edit(proposal)
    name = user.get_full_name() or user.get_username()
    cell_link = f"a[href$='/turni/{user.pk}/0/{weekday}/']"
    page.locator(cell_link).click()
    select = page.locator(f"#cell-{user.pk}-0-{weekday}-shift")
    select.wait_for()
    assert axe_violations(page) == []
    select.select_option(kind.code)
    page.locator("#plan-grid form").get_by_role("button", name="Salva").click()
    page.get_by_text("Modifica salvata.").wait_for()
    assert (
        PatternAssignment.objects.get(plan=proposal, user=user, weekday=weekday).shift_kind == kind
    )
    edited = page.locator("#plan-grid td.table-warning", has=page.locator(cell_link))
    assert edited.count() == 1  # framed as a change from the plan in force
    said = " ".join(edited.inner_text().split())
    assert f"{kind.name} + (nuovo) – cambia il turno di {name}" in said
    assert "turni diversi" in page.inner_text("#plan-grid") or "turno diverso" in page.inner_text(
        "#plan-grid"
    )
    screenshot(page, "roster-plan-review")

    # A refused one: the coordinator is not available on Saturdays.
    marco = User.objects.get(username="coordinatore")
    afternoon = ShiftKind.objects.get(code="afternoon")
    before = set(PatternAssignment.objects.filter(plan=proposal).values_list("pk", "shift_kind"))
    page.locator(f"a[href$='/turni/{marco.pk}/0/5/']").click()
    page.locator(f"#cell-{marco.pk}-0-5-shift").select_option(afternoon.code)
    page.locator("#plan-grid form").get_by_role("button", name="Salva").click()
    refusal = page.locator("#plan-grid .alert-danger")
    refusal.wait_for()
    assert "Modifica non salvata" in refusal.inner_text()
    assert "sabato" in refusal.inner_text().lower()
    assert (
        set(PatternAssignment.objects.filter(plan=proposal).values_list("pk", "shift_kind"))
        == before
    )
    assert axe_violations(page) == []
    screenshot(page, "roster-plan-refused-edit")

    # Published from next Monday, and listed as such.
    page.fill("#id_valid_from", NEXT_MONDAY.isoformat())
    page.get_by_role("button", name="Pubblica", exact=True).click()
    page.wait_for_load_state()
    assert "Piano pubblicato: in vigore dal 07/12/2026." in page.inner_text("main")
    proposal.refresh_from_db()
    assert proposal.status == PlanStatus.PUBLISHED and proposal.valid_from == NEXT_MONDAY
    page.goto(f"{live_server.url}/personale/turni/piani/")
    published = page.locator("section[aria-labelledby=published-heading] tbody")
    row = published.locator("tr", has_text=f"Piano n. {proposal.pk}")
    assert "07/12/2026" in row.inner_text()
    assert "Nessuna proposta in preparazione." in page.inner_text("main")
    assert axe_violations(page) == []
    assert errors == []


def focus_by_tab(page, target, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Tab from the start of the main content until ``target`` has the focus, as a keyboard
    user would; fails when it is never reached."""
    page.locator("#main-container").focus()
    handle = target.element_handle()
    for _press in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(element) => document.activeElement === element", handle):
            return
    raise AssertionError(f"Tab never reached {target}")


def focus_is_visible(page) -> bool:  # type: ignore[no-untyped-def]
    """The focused element looks different from the same element without the focus: an outline
    or a ring that a sighted keyboard user can follow."""
    looks = page.evaluate(
        """() => {
             const element = document.activeElement;
             const look = () => {
               const s = getComputedStyle(element);
               return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(" ");
             };
             const focused = look();
             element.blur();
             const unfocused = look();
             element.focus();
             return {focused, unfocused, back: document.activeElement === element};
           }"""
    )
    assert looks["back"], "the focus did not return to the element"
    return looks["focused"] != looks["unfocused"]


def an_essential_operator(day: datetime.date) -> tuple[User, ShiftKind]:
    """Someone rostered on ``day`` whose absence leaves a required coverage unmet."""
    from sportello.rota import problems, queries

    roster = queries.roster_between(day, day)[0]
    for entry in sorted(roster.rostered, key=lambda entry: entry.user.username):
        if entry.user.username == "coordinatore":
            continue
        if problems.dated_violations(remove=[(entry.user, day, entry.shift_kind)]):
            return entry.user, entry.shift_kind
    raise AssertionError(f"nobody is essential on {day}")


def test_the_week_for_the_coordinator_and_the_switchboard_then_an_absence_covered(
    page, browser, live_server, demo, request
):
    errors = console_errors(page)
    sign_in(page, live_server, "coordinatore")
    page.goto(f"{live_server.url}/personale/turni/")
    table = page.locator("table.roster-table")
    assert "Piano turni dal 30/11/2026 al 06/12/2026" in page.inner_text("h1")
    assert "Martedì 01/12/2026" in table.inner_text()
    assert "Domenica 06/12/2026" in table.inner_text() and "Chiuso" in table.inner_text()
    assert table.get_by_role("button", name="Togli").count() > 0
    assert axe_violations(page) == []
    screenshot(page, "roster-week")

    # The switchboard reads the same week and can change nothing.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    request.addfinalizer(context.close)
    switchboard = context.new_page()
    sign_in(switchboard, live_server, "centralino")
    switchboard.goto(f"{live_server.url}/personale/turni/")
    week = switchboard.locator("table.roster-table")
    assert "Paola Rossi" in week.inner_text()
    assert week.locator("form, select, button").count() == 0
    assert switchboard.get_by_role("link", name="Assenze").count() == 0
    assert axe_violations(switchboard) == []
    screenshot(switchboard, "roster-week-switchboard")

    # An absence that leaves Thursday short; the solver finds a substitute; applied.
    thursday = datetime.date(2026, 12, 3)
    absent, _kind = an_essential_operator(thursday)
    name = absent.get_full_name()
    page.get_by_role("link", name="Assenze").click()
    page.wait_for_url("**/personale/turni/assenze/")
    assert axe_violations(page) == []
    page.select_option("#id_user", str(absent.pk))
    page.select_option("#id_kind", index=1)
    page.fill("#id_first_day", thursday.isoformat())
    page.fill("#id_last_day", thursday.isoformat())
    page.get_by_role("button", name="Registra l'assenza").click()
    page.wait_for_url("**/assenze/?registrata=*")
    recorded = page.locator("section[aria-labelledby=recorded-heading]")
    assert f"Coperture durante l'assenza di {name}" in recorded.inner_text()
    assert "non è rispettata" in recorded.inner_text() or "non sono rispettate" in (
        recorded.inner_text()
    )
    assert axe_violations(page) == []
    screenshot(page, "roster-absence-recorded")
    # The week shows Thursday's missing coverage in words, before anyone is found.
    page.get_by_role("navigation", name="Sezioni dei turni").get_by_role(
        "link", name="Settimana"
    ).click()
    short = page.locator("table.roster-table tr", has_text="Giovedì 03/12/2026")
    assert "NON soddisfatta" in short.inner_text()
    assert f"{name}: assente" in short.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "roster-week-short")
    page.go_back()
    recorded.get_by_role("button", name="Cerca sostituti").click()
    page.wait_for_url("**/personale/turni/sostituzioni/*/")
    page.get_by_role("heading", name="Sostituzioni trovate").wait_for(timeout=30_000)
    live = page.locator("#cover-live")
    assert f"sostituisce {name}" in live.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "roster-cover")
    page.get_by_role("button", name="Applica al piano turni").click()
    page.wait_for_url("**/personale/turni/?settimana=2026-11-30")
    assert "applicat" in page.locator("main [role=status]").inner_text()
    thursday_row = page.locator("table.roster-table tr", has_text="Giovedì 03/12/2026")
    assert f"{name}: assente" in thursday_row.inner_text()
    assert "(sostituzione)" in thursday_row.inner_text()
    assert axe_violations(page) == []
    assert errors == []


def make_history(make_contact) -> int:  # type: ignore[no-untyped-def]
    """Four weeks of contacts before the frozen Tuesday: a few each open half-day, and a busy
    mid-morning on Tuesdays and Thursdays the roster does not staff for."""
    made = 0
    first = datetime.date(2026, 11, 2)  # the Monday four weeks before
    for offset in range(28):
        day = first + datetime.timedelta(days=offset)
        if day.weekday() == 6:
            continue
        times = [(9, 45), (11, 15), (15, 5), (16, 40)]
        if day.weekday() in (1, 3):
            times += [(10, minute) for minute in range(0, 30, 3)]
        for hour, minute in times:
            make_contact(rome(day.year, day.month, day.day, hour, minute))
            made += 1
    return made


def test_the_staffing_charts_and_the_calculator(page, live_server, demo, make_contact):
    assert make_history(make_contact) > 100
    errors = console_errors(page)
    sign_in(page, live_server, "coordinatore")
    page.goto(f"{live_server.url}/personale/turni/fabbisogno/")
    page.wait_for_load_state("networkidle")
    assert "Fabbisogno di personale dal 30/11/2026 al 06/12/2026" in page.inner_text("h1")
    assert page.locator("#no-history").count() == 0
    # Every open day has a chart drawn by Chart.js, and its table of the same numbers.
    canvases = page.locator("canvas[id^=staffing-chart-]")
    assert canvases.count() == 6  # Monday to Saturday
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('canvas[id^=staffing-chart-]')]
                 .map((canvas) => Chart.getChart(canvas) !== undefined)"""
    )
    assert drawn == [True] * 6
    assert page.locator("details.staffing-table table").count() == 6
    tuesday = page.locator("#gaps-2026-12-01")
    assert "10:00–10:30: necessari" in tuesday.inner_text()
    assert "mezz'ore hanno meno operatori in turno" in page.inner_text("#gap-summary")
    assert page.locator("#proposal-table").count() == 1
    assert axe_violations(page) == []
    assert errors == []
    screenshot(page, "staffing-chart")

    page.get_by_role("link", name="Calcolatore").click()
    page.wait_for_url("**/personale/turni/calcolatore/")
    for field, value in {
        "calls": "100",
        "period_s": "1800",
        "aht_s": "180",
        "target_s": "20",
        "service_level": "80",
        "max_occupancy": "",
        "shrinkage": "0",
    }.items():
        page.fill(f"#id_{field}", value)
    page.get_by_role("button", name="Calcola").click()
    result = page.locator("[data-result=agents]")
    result.wait_for()
    assert result.inner_text() == "14"
    assert "88,84%" in page.inner_text("[data-result=service_level]")
    assert "Servono 14 operatori in linea: 14 in turno." in page.inner_text("#staffing-summary")
    assert axe_violations(page) == []
    assert errors == []
    screenshot(page, "erlang-calculator")


def test_an_operator_reads_her_shifts_and_asks_a_swap_by_keyboard(page, live_server, demo):
    from sportello.rota.models import SwapRequest, SwapStatus

    errors = console_errors(page)
    sign_in(page, live_server, "psicologa")
    page.goto(f"{live_server.url}/personale/turni/i-miei-turni/")
    assert page.get_by_role("heading", name="I miei turni", exact=True).count() == 1
    assert "Settimana dal 30/11/2026 al 06/12/2026" in page.inner_text("main")
    ask = page.get_by_role("link", name="Chiedi un cambio").first
    assert axe_violations(page) == []

    focus_by_tab(page, ask)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/i-miei-turni/cambio/?*")
    assert axe_violations(page) == []

    colleague = page.locator("#id_colleague")
    focus_by_tab(page, colleague)
    assert focus_is_visible(page)
    page.keyboard.press("ArrowDown")  # the first colleague free that day
    chosen = colleague.input_value()
    assert chosen
    page.locator("#return-shift-field").wait_for()
    send = page.get_by_role("button", name="Invia la richiesta")
    focus_by_tab(page, send)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/personale/turni/i-miei-turni/")
    assert "Richiesta inviata a" in page.inner_text("main [role=status]")
    swap = SwapRequest.objects.get(requester__username="psicologa")
    assert swap.status == SwapStatus.ASKED and str(swap.colleague_id) == chosen
    assert "Cambio richiesto" in page.inner_text("main table")
    assert axe_violations(page) == []
    assert errors == []
    screenshot(page, "my-shifts")


def test_the_english_plans_page_declares_its_language(page, live_server, demo):
    sign_in(page, live_server, "coordinatore")
    page.goto(f"{live_server.url}/en/personale/turni/piani/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main h1").count() == 1
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_operators_shifts_preferences_and_the_queue_warning_in_both_languages(
    page, live_server, demo, frozen_now, language
):
    prefix = "" if language == "it" else "/en"
    errors = console_errors(page)
    sign_in(page, live_server, "psicologa")

    page.goto(f"{live_server.url}{prefix}/personale/turni/i-miei-turni/")
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []
    screenshot(page, f"my-shifts-{language}")

    page.goto(f"{live_server.url}{prefix}/personale/turni/i-miei-turni/preferenze/")
    heading = {"it": "Le mie preferenze di turno", "en": "My shift preferences"}[language]
    assert page.get_by_role("heading", name=heading).count() == 1
    assert axe_violations(page) == []
    screenshot(page, f"my-preferences-{language}")
    wish = page.locator("main select").first
    wish.select_option(index=1)  # "lo vorrei" / "I would like it"
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("main [role=status], main .alert-success").count() >= 1
    assert axe_violations(page) == []
    screenshot(page, f"my-preferences-saved-{language}")

    # Sunday: the desk is closed and nobody is on shift, so every waiting service is bare.
    frozen_now(rome(2026, 12, 6, 10, 0))
    page.goto(f"{live_server.url}{prefix}/personale/coda/")
    warning = {
        "it": "In attesa senza nessuno in turno con le competenze richieste",
        "en": "Waiting with nobody on shift who has the required competences",
    }[language]
    assert warning in page.inner_text("main")
    assert axe_violations(page) == []
    screenshot(page, f"queue-without-cover-{language}")
    assert errors == []
