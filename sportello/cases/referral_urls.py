"""Referral pages, included at the root of the case pages (names in the "cases" namespace)."""

from django.urls import path

from sportello.cases import referral_views as views

urlpatterns = [
    path("invii/", views.open_list, name="referrals-open"),
    path("<int:pk>/invii/nuovo/", views.propose, name="referral-new"),
    path("<int:pk>/invii/<int:referral_pk>/", views.referral_page, name="referral"),
    path("<int:pk>/invii/<int:referral_pk>/lettera.pdf", views.letter, name="referral-letter"),
    path("<int:pk>/invii/<int:referral_pk>/invia/", views.send, name="referral-send"),
    path("<int:pk>/invii/<int:referral_pk>/risposta/", views.answer, name="referral-answer"),
    path(
        "<int:pk>/invii/<int:referral_pk>/primo-appuntamento/",
        views.first_appointment,
        name="referral-first-appointment",
    ),
    path("<int:pk>/invii/<int:referral_pk>/chiudi/", views.close, name="referral-close"),
]
