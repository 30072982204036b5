from django.urls import path

from sportello.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/presa-visione/", views.acknowledge, name="acknowledge"),
]
