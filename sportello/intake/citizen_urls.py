"""The public request pages, inside the language prefix (/richiamata/, /en/richiamata/)."""

from django.urls import path

from sportello.intake import citizen_views

app_name = "citizen"

urlpatterns = [
    path("richiamata/", citizen_views.callback_request, name="callback"),
    path("videochiamata/", citizen_views.video_request, name="video"),
    path("richiesta-inviata/<str:token>/", citizen_views.request_sent, name="sent"),
]
