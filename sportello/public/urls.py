from django.urls import path

from sportello.public import views

app_name = "public"

urlpatterns = [
    path("", views.service_page, name="service"),
    path("stato/", views.desk_status_banner, name="status-banner"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibilita/", views.accessibility, name="accessibility"),
    path("note-legali/", views.legal_notes, name="legal-notes"),
    path("valutazione/", views.page_feedback, name="feedback"),
]
