from django.urls import include, path

from sportello.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("coordinamento/", views.coordination, name="coordination"),
    path("cerca/", views.search, name="search"),
    path("nuovo/", views.open_case, name="open"),
    path("<int:pk>/", views.case_page, name="case"),
    path("<int:pk>/persona/", views.person, name="person"),
    path("<int:pk>/obiettivi/", views.goals, name="goals"),
    path("<int:pk>/sezione/", views.section, name="section"),
    path("<int:pk>/colloqui/nuovo/", views.new_session, name="session-new"),
    path("<int:pk>/colloqui/<int:session_pk>/", views.session_page, name="session"),
    path("<int:pk>/consenso/", views.consent, name="consent"),
    path(
        "<int:pk>/consenso/<int:consent_pk>/revoca/",
        views.withdraw_consent,
        name="consent-withdraw",
    ),
    path("<int:pk>/sospendi/", views.suspend, name="suspend"),
    path("<int:pk>/riapri/", views.reopen, name="reopen"),
    path("<int:pk>/chiudi/", views.close, name="close"),
    path("<int:pk>/trasferisci/", views.transfer, name="transfer"),
    path("<int:pk>/assegna/", views.assign, name="assign"),
    path("<int:pk>/equipe/", views.team, name="team"),
    path("<int:pk>/collega-contatto/", views.link_contact, name="link-contact"),
    path("<int:pk>/accesso-eccezionale/", views.break_glass, name="break-glass"),
    path("", include("sportello.cases.referral_urls")),
]
