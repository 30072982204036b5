"""Staff roles are Django groups; this is the one place that says what each may do in the admin."""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    SWITCHBOARD = "switchboard"
    PROFESSIONAL = "professional"
    COORDINATOR = "coordinator"
    DPO = "dpo"
    MANAGEMENT = "management"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.SWITCHBOARD: _("Operatore del centralino"),
    Role.PROFESSIONAL: _("Professionista"),
    Role.COORDINATOR: _("Coordinatore"),
    Role.DPO: _("Responsabile della protezione dei dati"),
    Role.MANAGEMENT: _("Direzione"),
}

_CATALOGUE = (
    [
        ("services", model)
        for model in (
            "organisation",
            "emergencynumber",
            "competence",
            "service",
            "targetgroup",
            "emergencyprogramme",
            "weeklyhours",
            "calendarexception",
        )
    ]
    + [("accounts", model) for model in ("profession", "language", "professionalprofile")]
    + [("public", model) for model in ("legalpage", "legalsection")]
    + [("triage", "contactreason"), ("cases", "sectionfield")]
    + [
        ("rota", model)
        for model in ("shiftkind", "contract", "shiftpreference", "coveragerequirement")
    ]
)

# Model-level rights granted through the admin; record-level rules live in each app's policies.
ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.COORDINATOR: [
        f"{app}.{action}_{model}"
        for app, model in _CATALOGUE
        for action in ("view", "add", "change", "delete")
    ]
    + ["public.view_pagefeedback"],
    Role.DPO: [
        "public.view_legalpage",
        "public.change_legalpage",
        "public.view_legalsection",
        "public.change_legalsection",
        "public.add_legalsection",
        "privacy.view_accesslog",
        "privacy.view_auditevent",
    ],
    Role.MANAGEMENT: ["public.view_pagefeedback"],
    Role.SWITCHBOARD: [],
    Role.PROFESSIONAL: [],
}

# Roles that work in the back office (Django admin) at all.
ADMIN_ROLES = {Role.COORDINATOR, Role.DPO, Role.MANAGEMENT}


def sync_role_groups(sender: Any = None, **kwargs: Any) -> None:
    """Create one group per role and give it exactly the permissions listed above."""
    from django.contrib.auth.models import Group, Permission

    using = kwargs.get("using", "default")
    # One query for every permission the roles name, not one per permission.
    wanted = {name for names in ROLE_PERMISSIONS.values() for name in names}
    by_name = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.using(using)
        .select_related("content_type")
        .filter(content_type__app_label__in={name.split(".")[0] for name in wanted})
    }
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        group.permissions.set([by_name[name] for name in names if name in by_name])
