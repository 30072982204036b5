"""Who may do what with appointments: those who follow the case and the coordinators of its
service book, move and cancel; the professional of a session (or a coordinator) records how it
went; everyone sees their own calendar, coordinators everyone's."""

from sportello.accounts.models import User
from sportello.accounts.roles import Role
from sportello.appointments.models import Appointment
from sportello.cases import policies as cases
from sportello.cases.models import Case
from sportello.rota import queries as rota
from sportello.services import queries as catalogue


def can_book(user: User, case: Case) -> bool:
    return cases.can_write_record(user, case) or cases.coordinates(user, case.service_id)


def can_hold_sessions(user: User) -> bool:
    return user.is_active and user.has_role(Role.PROFESSIONAL)


def suits_case(professional: User, case: Case) -> bool:
    """Routing by competence, as in the queue: the case's service, or a competence it needs."""
    competences, services = rota.profile_codes(professional)
    return rota.serves(competences, services, case.service)


def can_see(user: User, appointment: Appointment) -> bool:
    """The session's professional, and whoever may read its case (a break-glass grant too)."""
    if appointment.professional_id == user.pk:
        return True
    readable = cases.visible(user, catalogue.now())
    return readable is not None and Case.objects.filter(readable, pk=appointment.case_id).exists()


def can_record_outcome(user: User, appointment: Appointment) -> bool:
    return appointment.professional_id == user.pk or cases.coordinates(
        user, appointment.case.service_id
    )


def sees_everyones_calendar(user: User) -> bool:
    return user.has_role(Role.COORDINATOR)


def has_calendar(user: User) -> bool:
    return can_hold_sessions(user) or sees_everyones_calendar(user)
