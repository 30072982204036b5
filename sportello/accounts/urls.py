from django.contrib.auth import views as auth_views
from django.urls import path

from sportello.accounts import mfa_views, views

urlpatterns = [
    path("personale/", views.staff_home, name="staff-home"),
    path("personale/accesso/", views.StaffLoginView.as_view(), name="staff-login"),
    path("personale/uscita/", auth_views.LogoutView.as_view(), name="staff-logout"),
    # The second factor of staff who see health data (sportello/accounts/mfa.py).
    path("personale/secondo-fattore/", mfa_views.verify, name="mfa-verify"),
    path("personale/secondo-fattore/attiva/", mfa_views.enrol, name="mfa-enrol"),
    path("personale/secondo-fattore/codici/", mfa_views.recovery_codes, name="mfa-recovery-codes"),
]
