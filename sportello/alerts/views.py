"""Staff pages of the alerts: my alerts, and "I have seen it"."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sportello.accounts.models import User
from sportello.alerts import operations, policies, queries
from sportello.alerts.models import Alert


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "alerts/alert_list.html",
        {
            "page": queries.alerts_page(user),
            "repeat_minutes": settings.SPORTELLO_ALERT_REPEAT_MINUTES,
        },
    )


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """With htmx the alert's own box is replaced (and the header badge with it); without
    JavaScript the form posts and the page comes back with a message."""
    user: User = request.user  # type: ignore[assignment]
    if not policies.can_receive_alerts(user):
        raise PermissionDenied
    error = ""
    try:
        alert = operations.acknowledge(user, pk)
    except Alert.DoesNotExist:
        raise Http404 from None
    except ValidationError as refused:
        error = " ".join(refused.messages)
        alert = Alert.objects.select_related("acknowledged_by").get(pk=pk)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "alerts/_acknowledged.html", {"alert": alert, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Avviso preso in visione: non verrà più ripetuto."))
    return redirect("alerts:list")
