from django.urls import path

from sportello.privacy import views

app_name = "privacy"

urlpatterns = [
    path("registro-accessi/", views.access_log, name="access-log"),
]
