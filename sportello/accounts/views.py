"""Staff sign-in, and the landing page each role starts from."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from sportello.accounts.roles import ADMIN_ROLES, Role


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    """Each role lands where its work is."""
    roles = set(request.user.roles)  # type: ignore[union-attr]
    # The queue is one click away from both homes; the cases are where the day's work starts.
    if Role.COORDINATOR in roles:
        return redirect("cases:coordination")
    if Role.PROFESSIONAL in roles:
        return redirect("cases:home")
    if Role.SWITCHBOARD in roles:
        return redirect("intake:switchboard")
    if Role.DPO in roles:
        return redirect("privacy:home")
    if Role.MANAGEMENT in roles:
        return redirect("reports:dashboard")
    if roles & ADMIN_ROLES:
        return redirect("admin:index")
    return render(request, "accounts/no_role.html", status=403)
