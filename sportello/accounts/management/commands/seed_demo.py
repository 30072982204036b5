from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from sportello.accounts.operations import ensure_demo_staff
from sportello.appointments import links
from sportello.appointments.demo_appointments import ensure_demo_appointments
from sportello.cases.demo_cases import ensure_demo_cases
from sportello.directory.demo_directory import ensure_demo_directory
from sportello.intake.demo_contacts import ensure_demo_contacts
from sportello.privacy import retention
from sportello.privacy.processing_records import ensure_desk_records
from sportello.rota.demo_rota import ensure_demo_roster
from sportello.triage.demo_screening import ensure_demo_screening


class Command(BaseCommand):
    help = _("Crea gli utenti dimostrativi (uno per ruolo) e ne stampa le credenziali.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SPORTELLO_DEMO:
            raise CommandError(
                _("Gli utenti dimostrativi si creano solo con SPORTELLO_DEMO=1, mai in produzione.")
            )
        accounts = ensure_demo_staff()
        self.stdout.write(_("Utenti dimostrativi (password valide solo per la demo):"))
        for account in accounts:
            self.stdout.write(
                f"  {account.role.label:<40} {account.username:<14} {account.password}"
            )
        added = ensure_demo_contacts()
        if added:
            self.stdout.write(_("Contatti di esempio in coda: %(n)d.") % {"n": added})
        if ensure_demo_screening():
            self.stdout.write(_("Un contatto di esempio valutato a rischio alto, in colloquio."))
        opened = ensure_demo_cases()
        if opened:
            self.stdout.write(_("Prese in carico di esempio: %(n)d.") % {"n": opened})
        if ensure_demo_roster():
            self.stdout.write(_("Piano turni di esempio calcolato e pubblicato da oggi."))
        added = ensure_demo_directory()
        if added:
            self.stdout.write(
                _(
                    "Rete dei servizi territoriali di esempio: %(n)d servizi, tutti da verificare "
                    "prima dell'uso."
                )
                % {"n": added}
            )
        for appointment in ensure_demo_appointments():
            self.stdout.write(
                _("Appuntamento di esempio: %(when)s, %(channel)s; link per la persona: %(url)s")
                % {
                    "when": timezone.localtime(appointment.starts_at).strftime("%d/%m/%Y %H:%M"),
                    "channel": appointment.get_channel_display(),
                    "url": links.appointment_url(appointment, "it"),
                }
            )
        if ensure_desk_records():
            self.stdout.write(_("Registro dei trattamenti dello sportello compilato."))
        if retention.ensure_default_rules():
            self.stdout.write(_("Regole di conservazione predefinite create."))
        self.stdout.write(
            _("Sito: http://127.0.0.1:8000/   Amministrazione: http://127.0.0.1:8000/admin/")
        )
        self.stdout.write(_("Area del personale: http://127.0.0.1:8000/personale/"))
