from django.urls import path

from sportello.rota import (
    calculator_views,
    my_views,
    plan_views,
    preference_views,
    roster_views,
    staffing_views,
)

app_name = "rota"

urlpatterns = [
    path("calcolatore/", calculator_views.calculator, name="calculator"),
    path("", roster_views.roster, name="roster"),
    path("modifica/", roster_views.shift_change, name="shift-change"),
    path("assenze/", roster_views.absences, name="absences"),
    path("assenze/<int:pk>/annulla/", roster_views.absence_cancel, name="absence-cancel"),
    path("assenze/<int:pk>/sostituti/", roster_views.absence_cover, name="absence-cover"),
    path("sostituzioni/<int:pk>/", roster_views.cover, name="cover"),
    path("sostituzioni/<int:pk>/applica/", roster_views.cover_apply, name="cover-apply"),
    path("sostituzioni/<int:pk>/scarta/", roster_views.cover_reject, name="cover-reject"),
    path("piani/", plan_views.plans, name="plans"),
    path("piani/<int:pk>/", plan_views.plan, name="plan"),
    path(
        "piani/<int:pk>/turni/<int:user_pk>/<int:week>/<int:weekday>/",
        plan_views.plan_cell,
        name="plan-cell",
    ),
    path("piani/<int:pk>/pubblica/", plan_views.plan_publish, name="plan-publish"),
    path("piani/<int:pk>/scarta/", plan_views.plan_discard, name="plan-discard"),
    path("i-miei-turni/", my_views.my_shifts, name="my-shifts"),
    path("i-miei-turni/preferenze/", preference_views.my_preferences, name="my-preferences"),
    path("i-miei-turni/calendario/rinnova/", my_views.renew_feed, name="renew-feed"),
    path("i-miei-turni/cambio/", my_views.ask_swap, name="ask-swap"),
    path(
        "i-miei-turni/cambio/turni-del-collega/",
        my_views.return_options,
        name="swap-return-options",
    ),
    path("cambi/", my_views.swaps, name="swaps"),
    path("cambi/<int:pk>/risposta/", my_views.answer_swap, name="answer-swap"),
    path("cambi/<int:pk>/ritiro/", my_views.withdraw_swap, name="withdraw-swap"),
    path("cambi/<int:pk>/decisione/", my_views.decide_swap, name="decide-swap"),
    path("calendario/<str:token>.ics", my_views.ical_feed, name="ical-feed"),
    path("fabbisogno/", staffing_views.staffing, name="staffing"),
]
