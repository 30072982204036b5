from django.contrib.auth import views as auth_views
from django.urls import path

from sportello.accounts import views

urlpatterns = [
    path("personale/", views.staff_home, name="staff-home"),
    path("personale/accesso/", views.StaffLoginView.as_view(), name="staff-login"),
    path("personale/uscita/", auth_views.LogoutView.as_view(), name="staff-logout"),
]
