"""The citizen's appointment pages, inside the language prefix (/appuntamento/…, /en/…). The
token in each address is the signed link (sportello.appointments.links)."""

from django.urls import path

from sportello.appointments import citizen_views

app_name = "citizen_appointments"

urlpatterns = [
    path("scegli-orario/<str:token>/", citizen_views.choose, name="choose"),
    path("appuntamento/<str:token>/", citizen_views.manage, name="manage"),
    path("appuntamento/<str:token>/annulla/", citizen_views.cancel, name="manage-cancel"),
    path("appuntamento/<str:token>/sposta/", citizen_views.move, name="manage-move"),
    path("appuntamento/<str:token>/stanza/", citizen_views.room_status, name="room-status"),
    path("appuntamento-annullato/<str:token>/", citizen_views.cancelled, name="cancelled"),
]
