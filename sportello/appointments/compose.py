"""The words of each message to the person, in the message's own language.

A message can be read by whoever holds the person's phone or mailbox, so it says only when
(date and time, written out), how (we call, or the page the video room opens from), how to move
or cancel, and the switchboard's number for anything else: never the service, the case, the
professional's name or any reason. Composed when sent and never stored."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import formats, translation
from django.utils.translation import gettext as _

from sportello.appointments import links
from sportello.appointments.models import (
    Appointment,
    AppointmentChannel,
    Message,
    MessageKind,
    SlotOffer,
)
from sportello.appointments.wording import day_label
from sportello.services import queries as catalogue
from sportello.services.models import Organisation

# What the person sees as the sender: the desk's neutral name, nothing about what it is for.
SENDER_NAME = "Sportello"
FALLBACK_SWITCHBOARD = "020202"
SMS_MAX_CHARACTERS = 320


@dataclass(frozen=True)
class Text:
    subject: str
    body: str  # the e-mail's plain text
    sms: str


def switchboard_number() -> str:
    number = Organisation.objects.order_by("pk").values_list("switchboard_number", flat=True)
    return number.first() or FALLBACK_SWITCHBOARD


def when(moment: datetime.datetime, *, year: bool = True) -> str:
    """The instant in the desk's zone, written out in the active language: "martedì 1 dicembre
    2026 alle 10:30" (a bare 1/12 reads differently in English). SMS leave the year out."""
    local = moment.astimezone(catalogue.desk_zone())
    return _("%(day)s alle %(time)s") % {
        "day": day_label(moment, year=year),
        "time": formats.time_format(local, "H:i"),
    }


def compose(message: Message) -> Text:
    with translation.override(message.language):
        if message.kind == MessageKind.OFFER:
            assert message.offer is not None
            return _offer(message.offer, message.language)
        assert message.appointment is not None
        return _about_appointment(message.kind, message.appointment, message.language)


def _about_appointment(kind: str, appointment: Appointment, language: str) -> Text:
    phone = switchboard_number()
    at = when(appointment.starts_at)
    short = when(appointment.starts_at, year=False)
    other = _("Per qualsiasi altra cosa chiama lo %(phone)s.") % {"phone": phone}
    if kind == MessageKind.CANCELLED:
        return Text(
            subject=_("%(sender)s: appuntamento annullato") % {"sender": SENDER_NAME},
            body="\n\n".join(
                [
                    _("Buongiorno,"),
                    _("l'appuntamento di %(when)s (ora italiana) è stato annullato.")
                    % {"when": at},
                    _("Se vuoi fissarne un altro, chiama lo %(phone)s.") % {"phone": phone},
                    _footer(),
                ]
            ),
            sms=_(
                "%(sender)s: l'appuntamento di %(when)s è annullato. Per fissarne un altro "
                "chiama lo %(phone)s."
            )
            % {"sender": SENDER_NAME, "when": short, "phone": phone},
        )
    url = links.appointment_url(appointment, language)
    subjects = {
        MessageKind.CONFIRMATION: _("%(sender)s: appuntamento confermato"),
        MessageKind.REMINDER: _("%(sender)s: promemoria del tuo appuntamento"),
        MessageKind.RESCHEDULED: _("%(sender)s: appuntamento spostato"),
    }
    openings = {
        MessageKind.CONFIRMATION: _("ti confermiamo l'appuntamento di %(when)s (ora italiana)."),
        MessageKind.REMINDER: _("ti ricordiamo l'appuntamento di %(when)s (ora italiana)."),
        MessageKind.RESCHEDULED: _(
            "il tuo appuntamento è stato spostato a %(when)s (ora italiana)."
        ),
    }
    sms_openings = {
        MessageKind.CONFIRMATION: _("%(sender)s: appuntamento confermato %(when)s."),
        MessageKind.REMINDER: _("%(sender)s: promemoria appuntamento %(when)s."),
        MessageKind.RESCHEDULED: _("%(sender)s: appuntamento spostato a %(when)s."),
    }
    if appointment.channel == AppointmentChannel.VIDEO:
        how = _(
            "L'appuntamento è in videochiamata: la stanza si apre poco prima dell'inizio da "
            "questa pagina, dove puoi anche spostarlo o annullarlo:\n%(url)s"
        )
        sms_how = _("Videochiamata: %(url)s (anche per spostare o annullare).")
    else:
        how = _(
            "Ti chiameremo noi al telefono a quell'ora.\n\nPer spostarlo o annullarlo:\n%(url)s"
        )
        sms_how = _("Ti chiameremo noi. Spostare o annullare: %(url)s")
    return Text(
        subject=subjects[kind] % {"sender": SENDER_NAME},
        body="\n\n".join(
            [
                _("Buongiorno,"),
                openings[kind] % {"when": at},
                how % {"url": url},
                other,
                _footer(),
            ]
        ),
        sms=" ".join(
            [
                sms_openings[kind] % {"sender": SENDER_NAME, "when": short},
                sms_how % {"url": url},
                _("Info %(phone)s") % {"phone": phone},
            ]
        ),
    )


def _offer(offer: SlotOffer, language: str) -> Text:
    phone = switchboard_number()
    url = links.offer_url(offer, language)
    until = when(offer.expires_at)
    channel = (
        _("in videochiamata") if offer.channel == AppointmentChannel.VIDEO else _("al telefono")
    )
    return Text(
        subject=_("%(sender)s: scegli l'orario del tuo appuntamento") % {"sender": SENDER_NAME},
        body="\n\n".join(
            [
                _("Buongiorno,"),
                _(
                    "ti proponiamo alcuni orari per un appuntamento %(channel)s. Scegli quello "
                    "che preferisci entro %(until)s (ora italiana) da questa pagina:"
                )
                % {"channel": channel, "until": until}
                + f"\n{url}",
                _("Per qualsiasi altra cosa chiama lo %(phone)s.") % {"phone": phone},
                _footer(),
            ]
        ),
        sms=_(
            "%(sender)s: scegli l'orario del tuo appuntamento %(channel)s entro %(until)s: "
            "%(url)s Info %(phone)s"
        )
        % {
            "sender": SENDER_NAME,
            "channel": channel,
            "until": when(offer.expires_at, year=False),
            "url": url,
            "phone": phone,
        },
    )


def _footer() -> str:
    return _("Questo messaggio è inviato automaticamente: per favore non rispondere.")
