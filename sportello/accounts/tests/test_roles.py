"""Roles are groups with exactly their permissions; demo staff only when the demo asks for it."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from sportello.accounts.models import ProfessionalProfile, User
from sportello.accounts.roles import ADMIN_ROLES, Role
from sportello.testing import rome

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


def test_the_coordinator_edits_the_catalogue_but_the_switchboard_does_not():
    coordinator = Group.objects.get(name="coordinator")
    codenames = set(coordinator.permissions.values_list("codename", flat=True))
    assert {"change_service", "add_calendarexception", "change_emergencyprogramme"} <= codenames
    assert not Group.objects.get(name="switchboard").permissions.exists()
    assert "change_service" not in set(
        Group.objects.get(name="management").permissions.values_list("codename", flat=True)
    )


def _staff(role: Role) -> User:
    user = User.objects.create_user(
        username=role.value, password="a-long-test-password", is_staff=role in ADMIN_ROLES
    )
    user.groups.add(Group.objects.get(name=role.value))
    return user


ADMIN_PAGES = {
    "/admin/services/service/": {Role.COORDINATOR},
    "/admin/services/calendarexception/add/": {Role.COORDINATOR},
    "/admin/services/organisation/{organisation}/change/": {Role.COORDINATOR},
    "/admin/public/legalpage/": {Role.COORDINATOR, Role.DPO},
    "/admin/public/pagefeedback/": {Role.COORDINATOR, Role.MANAGEMENT},
    "/admin/accounts/user/": set(),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url", list(ADMIN_PAGES))
def test_back_office_pages_for_every_role(client, milan, role, url):
    from sportello.services.models import Organisation

    client.force_login(_staff(role))
    response = client.get(url.format(organisation=Organisation.objects.get().pk))
    allowed = role in ADMIN_PAGES[url]
    assert (response.status_code == 200) is allowed, (role, url, response.status_code)


def test_demo_staff_needs_the_demo_flag(settings):
    settings.SPORTELLO_DEMO = False
    with pytest.raises(CommandError, match="SPORTELLO_DEMO=1"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_demo_staff_one_per_role_and_a_second_run_keeps_them(settings, milan, capsys, frozen_now):
    settings.SPORTELLO_DEMO = True
    # Seeded while the desk is open: out of hours the sample without a number would be closed.
    frozen_now(rome(2026, 12, 1, 10, 0))
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "psicologa" in out and "demo-psicologa-2026" in out
    # The demo team beyond the five accounts exists for the roster and cannot sign in.
    team = User.objects.exclude(
        username__in=["centralino", "psicologa", "coordinatore", "dpo", "direzione"]
    )
    assert team.count() == 10 and not any(user.has_usable_password() for user in team)
    from sportello.rota.models import PlanStatus, RosterPlan

    assert RosterPlan.objects.filter(status=PlanStatus.PUBLISHED).count() == 1
    assert "Piano turni di esempio calcolato e pubblicato da oggi." in out
    users = {user.username: user.roles for user in User.objects.exclude(pk__in=team)}
    assert users == {
        "centralino": [Role.SWITCHBOARD],
        "psicologa": [Role.PROFESSIONAL],
        "coordinatore": [Role.COORDINATOR],
        "dpo": [Role.DPO],
        "direzione": [Role.MANAGEMENT],
    }
    profile = ProfessionalProfile.objects.get(user__username="psicologa")
    assert list(profile.services.values_list("code", flat=True)) == ["emergency"]
    User.objects.filter(username="psicologa").update(first_name="Changed")
    from sportello.intake.models import QUEUE_STATUSES, Contact
    from sportello.intake.queries import on_duty

    # Four wait in the queue, one is in conversation after a high-risk screening, three more,
    # closed, are the contacts the demo cases came from.
    assert Contact.objects.filter(status__in=QUEUE_STATUSES).count() == 4
    assert "Contatti di esempio in coda: 4" in out
    assert Contact.objects.filter(screenings__level=3, status="in_conversation").count() == 1
    assert Contact.objects.count() == 8
    assert "psicologa" in [entry.user.username for entry in on_duty()]
    from sportello.appointments.models import Appointment

    # The psychologist's two open cases get a session each: video for the named person, who
    # gets messages, phone for the anonymous one, who does not.
    appointments = {a.channel: a for a in Appointment.objects.select_related("case__person")}
    assert set(appointments) == {"video", "phone"}
    assert appointments["video"].messages_allowed and not appointments["phone"].messages_allowed
    assert "Appuntamento di esempio" in out and "/appuntamento/" in out
    from sportello.directory.models import Service as DirectoryService

    # Milan's network is there, every entry marked as sample data to verify.
    directory = DirectoryService.objects.count()
    assert directory > 20 and not DirectoryService.objects.filter(is_sample=False).exists()
    assert "Rete dei servizi territoriali di esempio" in out
    call_command("seed_demo")
    assert DirectoryService.objects.count() == directory
    assert Appointment.objects.count() == 2
    assert User.objects.count() == 15
    assert RosterPlan.objects.count() == 1  # the roster is solved once
    assert Contact.objects.count() == 8  # the samples are added once
    assert User.objects.get(username="psicologa").first_name == "Changed"
    assert User.objects.get(username="psicologa").check_password("demo-psicologa-2026")
