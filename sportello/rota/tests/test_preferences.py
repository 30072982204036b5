"""An operator's own shift preferences: the operation (success, replacing, clearing, and each
refusal with its message and nothing written), the page for each role, and the solver's
problem that then carries them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sportello.privacy.models import AuditEvent
from sportello.rota import problems
from sportello.rota import solver as kernel
from sportello.rota.models import Contract, ShiftKind, ShiftPreference
from sportello.rota.preference_operations import set_preferences
from sportello.testing import rome

from .conftest import add_contract, kind, named

PAGE = "/personale/turni/i-miei-turni/preferenze/"
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = range(6)


@pytest.fixture
def now(frozen_now):
    frozen_now(rome(2026, 12, 1, 10, 0))


@pytest.fixture
def anna(milan, make_staff, now):
    """A professional on the roster from Monday to Friday: Saturday is not hers."""
    user = named(make_staff, "anna", "Anna", "Bianchi")
    add_contract(user, weekdays=(MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY))
    return user


@pytest.fixture
def evening(milan):
    """A shift held on Monday, Tuesday and Wednesday only."""
    return ShiftKind.objects.create(
        code="evening",
        name_it="Sera",
        name_en="Evening",
        starts=datetime.time(18, 0),
        ends=datetime.time(20, 0),
        weekdays=[MONDAY, TUESDAY, WEDNESDAY],
        position=3,
    )


def pk(code: str) -> int:
    return kind(code).pk


def stated(user) -> set[tuple[int, str, bool, int]]:
    return set(
        ShiftPreference.objects.filter(user=user).values_list(
            "weekday", "shift_kind__code", "wanted", "weight"
        )
    )


def written() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        sorted(
            ShiftPreference.objects.values_list(
                "user_id", "weekday", "shift_kind_id", "wanted", "weight"
            )
        ),
    )


# --- The operation -----------------------------------------------------------------------------


def test_set_preferences_stores_each_wish_with_its_weight_and_audits(anna):
    count = set_preferences(
        anna,
        preferences={
            (MONDAY, pk("morning")): (True, 7),
            (WEDNESDAY, pk("afternoon")): (False, 3),
            (FRIDAY, pk("morning")): None,
        },
    )
    assert count == 2
    assert stated(anna) == {(MONDAY, "morning", True, 7), (WEDNESDAY, "afternoon", False, 3)}
    event = AuditEvent.objects.get(object_type="rota.preferences")
    assert event.object_id == str(anna.pk)
    assert event.actor == anna
    assert event.action == "set"
    assert event.detail == {"wanted": 1, "avoided": 1, "replaced": 0}


def test_set_preferences_replaces_the_whole_set(anna):
    set_preferences(
        anna,
        preferences={(MONDAY, pk("morning")): (True, 7), (TUESDAY, pk("morning")): (True, 2)},
    )
    count = set_preferences(anna, preferences={(MONDAY, pk("afternoon")): (False, 10)})
    assert count == 1
    assert stated(anna) == {(MONDAY, "afternoon", False, 10)}
    assert AuditEvent.objects.filter(object_type="rota.preferences").count() == 2
    assert AuditEvent.objects.latest("pk").detail["replaced"] == 2


def test_set_preferences_leaves_colleagues_alone(anna, make_staff):
    bruno = named(make_staff, "bruno", "Bruno", "Rossi")
    add_contract(bruno)
    set_preferences(bruno, preferences={(SATURDAY, pk("morning")): (False, 4)})
    set_preferences(anna, preferences={(MONDAY, pk("morning")): (True, 1)})
    assert stated(bruno) == {(SATURDAY, "morning", False, 4)}
    assert stated(anna) == {(MONDAY, "morning", True, 1)}


def test_none_and_an_empty_set_clear_the_preferences(anna):
    set_preferences(
        anna,
        preferences={(MONDAY, pk("morning")): (True, 7), (TUESDAY, pk("morning")): (True, 2)},
    )
    assert set_preferences(anna, preferences={(MONDAY, pk("morning")): None}) == 0
    assert stated(anna) == set()
    set_preferences(anna, preferences={(MONDAY, pk("morning")): (True, 7)})
    assert set_preferences(anna, preferences={}) == 0
    assert not ShiftPreference.objects.exists()


def refused(user, preferences) -> list[str]:
    before = written()
    with pytest.raises(ValidationError) as caught:
        set_preferences(user, preferences=preferences)
    assert written() == before, "a refusal writes nothing"
    return caught.value.messages


@pytest.fixture
def anna_with_a_wish(anna):
    set_preferences(anna, preferences={(MONDAY, pk("morning")): (True, 5)})
    return anna


def test_a_day_outside_the_contract_is_refused_by_name(anna_with_a_wish):
    messages = refused(
        anna_with_a_wish,
        {(MONDAY, pk("morning")): (True, 5), (SATURDAY, pk("morning")): (True, 5)},
    )
    assert messages == [
        "Il tuo contratto non prevede turni di sabato: non puoi indicare preferenze per "
        "quel giorno."
    ]
    assert stated(anna_with_a_wish) == {(MONDAY, "morning", True, 5)}


def test_a_shift_not_held_that_day_is_refused(anna_with_a_wish, evening):
    assert set_preferences(anna_with_a_wish, preferences={(TUESDAY, evening.pk): (True, 3)}) == 1
    messages = refused(anna_with_a_wish, {(THURSDAY, evening.pk): (True, 3)})
    assert messages == ["Il turno «Sera» non si svolge di giovedì."]


@pytest.mark.parametrize("weight", [0, 11, -1, True, "5", 2.5, None])
def test_a_weight_outside_one_to_ten_is_refused(anna_with_a_wish, weight):
    messages = refused(anna_with_a_wish, {(TUESDAY, pk("morning")): (False, weight)})
    assert messages == ["Il peso di una preferenza va da 1 a 10."]


def test_an_unknown_or_retired_shift_is_refused(anna_with_a_wish, evening):
    unknown = ShiftKind.objects.order_by("-pk").first().pk + 100
    message = "Uno dei turni non esiste o non è più in uso: ricarica la pagina e riprova."
    assert refused(anna_with_a_wish, {(MONDAY, unknown): (True, 5)}) == [message]
    ShiftKind.objects.filter(pk=evening.pk).update(is_active=False)
    assert refused(anna_with_a_wish, {(MONDAY, evening.pk): (True, 5)}) == [message]
    assert refused(anna_with_a_wish, {(MONDAY, evening.pk): None}) == [message]


@pytest.mark.parametrize(
    "preferences",
    [
        {(7, 1): (True, 5)},
        {(-1, 1): None},
        {("0", 1): (True, 5)},
        {(True, 1): (True, 5)},
    ],
)
def test_a_weekday_outside_the_week_is_refused(anna_with_a_wish, preferences):
    assert refused(anna_with_a_wish, preferences) == [
        "Giorno della settimana non valido: ricarica la pagina e riprova."
    ]


@pytest.mark.parametrize("wish", [("yes", 5), (1, 5), (True,), "wanted"])
def test_a_malformed_wish_is_refused(anna_with_a_wish, wish):
    assert refused(anna_with_a_wish, {(MONDAY, pk("afternoon")): wish}) == [
        "Preferenza non valida: ricarica la pagina e riprova."
    ]


def test_every_reason_is_given_once(anna_with_a_wish, evening):
    messages = refused(
        anna_with_a_wish,
        {
            (SATURDAY, pk("morning")): (True, 5),
            (SATURDAY, pk("afternoon")): (True, 5),
            (THURSDAY, evening.pk): (False, 20),
            (FRIDAY, evening.pk): (False, 0),
        },
    )
    assert messages == [
        "Il tuo contratto non prevede turni di sabato: non puoi indicare preferenze per "
        "quel giorno.",
        "Il peso di una preferenza va da 1 a 10.",
        "Il turno «Sera» non si svolge di giovedì.",
        "Il turno «Sera» non si svolge di venerdì.",
    ]


def test_someone_without_an_active_contract_is_refused(anna_with_a_wish, make_staff):
    newcomer = make_staff("professional", "nuovo")
    message = (
        "Non sei ancora inserito nei turni: potrai indicare le tue preferenze quando il "
        "coordinatore ti avrà assegnato un contratto di turno."
    )
    assert refused(newcomer, {(MONDAY, pk("morning")): (True, 5)}) == [message]
    Contract.objects.filter(user=anna_with_a_wish).update(is_active=False)
    assert refused(anna_with_a_wish, {(MONDAY, pk("morning")): None}) == [message]
    assert stated(anna_with_a_wish) == {(MONDAY, "morning", True, 5)}


def test_staff_who_do_not_work_shifts_are_refused(anna_with_a_wish, make_staff):
    switchboard = make_staff("switchboard")
    add_contract(switchboard)  # a contract given by mistake does not make them rostered
    before = written()
    with pytest.raises(PermissionDenied):
        set_preferences(switchboard, preferences={(MONDAY, pk("morning")): (True, 5)})
    assert written() == before


# --- The solver's problem ----------------------------------------------------------------------


def test_the_pattern_problem_carries_the_preferences(anna, evening):
    set_preferences(
        anna,
        preferences={
            (MONDAY, pk("morning")): (True, 7),
            (WEDNESDAY, evening.pk): (False, 3),
        },
    )
    built = problems.pattern_problem(2)
    operator = str(anna.pk)
    assert set(built.problem.preferences) == {
        kernel.Preference(operator=operator, day=0, shift="morning", wanted=True, weight=7),
        kernel.Preference(operator=operator, day=7, shift="morning", wanted=True, weight=7),
        kernel.Preference(operator=operator, day=2, shift="evening", wanted=False, weight=3),
        kernel.Preference(operator=operator, day=9, shift="evening", wanted=False, weight=3),
    }
    assert built.users[operator] == anna


# --- The page ----------------------------------------------------------------------------------


def page_of(client, user):
    client.force_login(user)
    return client.get(reverse("rota:my-preferences"))


def test_the_page_is_where_the_route_says():
    assert reverse("rota:my-preferences") == PAGE


def test_the_page_shows_the_contract_days_and_their_shifts(client, anna, evening):
    set_preferences(anna, preferences={(TUESDAY, pk("afternoon")): (False, 8)})
    response = page_of(client, anna)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "pesate dal calcolo automatico" in page
    assert "non è detto che si possano rispettare tutte" in page
    for day in ("Lunedì", "Martedì", "Mercoledì", "Giovedì", "Venerdì"):
        assert f'<th scope="row">{day}</th>' in page
    assert "Sabato" not in page  # not a day of her contract
    assert "Sera <span" in page and "18:00–20:00" in page
    assert page.count("Turno non previsto") == 2  # no evening on Thursday and Friday
    morning = pk("morning")
    for option in ("indifferente", "lo vorrei", "preferirei evitarlo"):
        assert option in page
    # Every select has a label naming its day and shift.
    assert f'<label for="id_wish_0_{morning}" class="active">Preferenza' in page
    assert f'<label for="id_weight_0_{morning}" class="active">Peso' in page
    assert "(lunedì, Mattina)" in page
    assert f'name="wish_0_{pk("morning")}"' in page
    assert f'name="wish_3_{evening.pk}"' not in page
    # What is stated shows as chosen; a new wish starts at weight 5.
    afternoon = pk("afternoon")
    assert f'id="id_wish_1_{afternoon}"' in page
    form = response.context["form"]
    assert form[f"wish_1_{afternoon}"].value() == "avoided"
    assert form[f"weight_1_{afternoon}"].value() == "8"
    assert form[f"wish_0_{morning}"].value() == ""
    assert form[f"weight_0_{morning}"].value() == "5"


def test_a_coordinator_with_a_contract_states_preferences_too(client, milan, make_staff, now):
    coordinator = make_staff("coordinator", "coord")
    add_contract(coordinator, weekdays=(SATURDAY,))
    response = page_of(client, coordinator)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<th scope="row">Sabato</th>' in page
    assert '<th scope="row">Lunedì</th>' not in page


@pytest.mark.parametrize("role", ["professional", "coordinator"])
def test_without_a_contract_the_page_explains_why(client, milan, make_staff, now, role):
    response = page_of(client, make_staff(role, "nuovo"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Non sei ancora inserito nei turni" in page
    assert "<select" not in page


@pytest.mark.parametrize("role", ["switchboard", "dpo", "management"])
def test_other_roles_are_forbidden(client, milan, make_staff, now, role):
    user = make_staff(role)
    add_contract(user)
    assert page_of(client, user).status_code == 403
    assert client.post(PAGE, {f"wish_0_{pk('morning')}": "wanted"}).status_code == 403
    assert not ShiftPreference.objects.exists()


def test_visitors_are_sent_to_sign_in(client, milan):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("staff-login"))


def test_my_shifts_links_to_the_page(client, anna):
    client.force_login(anna)
    assert f'href="{PAGE}"' in client.get(reverse("rota:my-shifts")).content.decode()


def test_saving_the_form_replaces_the_preferences(client, anna):
    set_preferences(anna, preferences={(FRIDAY, pk("afternoon")): (True, 2)})
    client.force_login(anna)
    morning, afternoon = pk("morning"), pk("afternoon")
    response = client.post(
        PAGE,
        {
            f"wish_0_{morning}": "wanted",
            f"weight_0_{morning}": "9",
            f"wish_2_{afternoon}": "avoided",
            f"weight_2_{afternoon}": "4",
            f"wish_3_{morning}": "",  # indifferent: its weight does not matter
            f"weight_3_{morning}": "",
            f"wish_4_{afternoon}": "",
            f"weight_4_{afternoon}": "2",
            f"wish_5_{morning}": "wanted",  # Saturday is not on the form: ignored
            f"weight_5_{morning}": "9",
        },
        follow=True,
    )
    assert response.redirect_chain == [(PAGE, 302)]
    assert stated(anna) == {(MONDAY, "morning", True, 9), (WEDNESDAY, "afternoon", False, 4)}
    page = response.content.decode()
    assert "Preferenze salvate: 2 turni indicati." in page
    form = response.context["form"]
    assert form[f"wish_0_{morning}"].value() == "wanted"
    assert form[f"weight_0_{morning}"].value() == "9"
    assert form[f"wish_4_{afternoon}"].value() == ""


def test_saving_all_indifferent_clears_them(client, anna):
    set_preferences(anna, preferences={(FRIDAY, pk("afternoon")): (True, 2)})
    client.force_login(anna)
    response = client.post(PAGE, {}, follow=True)
    assert not ShiftPreference.objects.exists()
    assert "nessun turno indicato, ti vanno bene tutti" in response.content.decode()


def test_a_bad_choice_is_shown_beside_its_select_and_nothing_is_saved(client, anna):
    set_preferences(anna, preferences={(FRIDAY, pk("afternoon")): (True, 2)})
    client.force_login(anna)
    before = written()
    morning, afternoon = pk("morning"), pk("afternoon")
    response = client.post(
        PAGE,
        {
            f"wish_0_{morning}": "wanted",
            f"weight_0_{morning}": "11",
            f"wish_1_{morning}": "maybe",
            f"wish_2_{afternoon}": "avoided",
            f"weight_2_{afternoon}": "",
        },
    )
    assert response.status_code == 400
    assert written() == before
    page = response.content.decode()
    assert f'id="id_weight_0_{morning}_error">Scegli un peso da 1 a 10.</div>' in page
    assert f'id="id_weight_2_{afternoon}_error">Scegli un peso da 1 a 10.</div>' in page
    assert (
        f'id="id_wish_1_{morning}_error">Scegli «indifferente», «lo vorrei» o «preferirei '
        "evitarlo».</div>"
    ) in page
    assert f'aria-describedby="id_weight_0_{morning}_error"' in page
    assert 'aria-invalid="true"' in page
    # The summary above the table links to each select by its full label.
    assert f'<a href="#id_weight_0_{morning}">lunedì, Mattina: peso</a>' in page
    # What was typed stays on the form.
    assert response.context["form"][f"wish_2_{afternoon}"].value() == "avoided"


def test_a_refusal_of_the_operation_is_shown_on_the_form(client, anna, monkeypatch):
    """The contract changes between the page and the save: the operation's reason shows."""
    client.force_login(anna)
    morning = pk("morning")
    from sportello.rota import preference_views

    real = preference_views.operations.set_preferences

    def contract_shrunk(actor, *, preferences):
        Contract.objects.filter(user=actor).update(weekdays_available=[TUESDAY])
        return real(actor, preferences=preferences)

    monkeypatch.setattr(preference_views.operations, "set_preferences", contract_shrunk)
    response = client.post(PAGE, {f"wish_0_{morning}": "wanted", f"weight_0_{morning}": "3"})
    assert response.status_code == 400
    assert "Il tuo contratto non prevede turni di lunedì" in response.content.decode()
    assert not ShiftPreference.objects.exists()


def test_posting_without_a_contract_says_why(client, milan, make_staff, now):
    newcomer = make_staff("professional", "nuovo")
    client.force_login(newcomer)
    response = client.post(PAGE, {f"wish_0_{pk('morning')}": "wanted"}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "Non sei ancora inserito nei turni" in response.content.decode()
    assert not ShiftPreference.objects.exists()
    assert not AuditEvent.objects.filter(object_type="rota.preferences").exists()
