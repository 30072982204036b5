from django.urls import path

from sportello.appointments import views

app_name = "appointments"

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("prenota/<int:case_pk>/", views.book, name="book"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/annulla/", views.cancel, name="cancel"),
    path("<int:pk>/sposta/", views.reschedule, name="reschedule"),
    path("<int:pk>/esito/", views.outcome, name="outcome"),
    path("proposte/<int:pk>/ritira/", views.withdraw_offer, name="withdraw-offer"),
]
