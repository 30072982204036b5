from typing import Any

from django.http import HttpRequest

from sportello.services.models import Organisation
from sportello.services.queries import current_organisation


def organisation(request: HttpRequest) -> dict[str, Any]:
    """Header and footer of every page name the organisation and its switchboard."""
    try:
        return {"organisation": current_organisation()}
    except Organisation.DoesNotExist:
        return {"organisation": None}
