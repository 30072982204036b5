from django.urls import path

from sportello.intake import views

app_name = "intake"

urlpatterns = [
    path("centralino/", views.switchboard, name="switchboard"),
    path("coda/", views.queue, name="queue"),
    path("coda/prendi/", views.take_next, name="take-next"),
    path("coda/servizio/", views.duty, name="duty"),
    path("contatti/<int:pk>/", views.contact_sheet, name="contact"),
    path("contatti/<int:pk>/prendi/", views.take, name="take"),
    path("contatti/<int:pk>/inizia/", views.start_conversation, name="start"),
    path("contatti/<int:pk>/rilascia/", views.release, name="release"),
    path("contatti/<int:pk>/esito/", views.record_outcome, name="outcome"),
]
