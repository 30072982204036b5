"""The desk's state in words, e.g. "Aperto ora · chiude alle 18:00"."""

import datetime

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sportello.services.queries import DeskStatus


def clock(moment: datetime.datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def when(moment: datetime.datetime, now: datetime.datetime) -> str:
    """A reopening time as a person says it: today, tomorrow, a weekday, or a date."""
    days = (moment.date() - now.date()).days
    if days == 0:
        return _("oggi alle %(time)s") % {"time": clock(moment)}
    if days == 1:
        return _("domani alle %(time)s") % {"time": clock(moment)}
    if days < 7:
        weekday = _in_sentence(formats.date_format(moment, "l"))
        return _("%(weekday)s alle %(time)s") % {"weekday": weekday, "time": clock(moment)}
    day = _in_sentence(formats.date_format(moment, "l j F"))
    return _("%(day)s alle %(time)s") % {"day": day, "time": clock(moment)}


def day_and_month(day: datetime.date) -> str:
    """ "7 dicembre" in Italian, "7 December" in English."""
    return _in_sentence(formats.date_format(day, "j F"))


def _in_sentence(name: str) -> str:
    # Italian writes day and month names in lower case mid-sentence; English capitalises them.
    return name.lower() if (get_language() or "it").startswith("it") else name


def headline(status: DeskStatus) -> str:
    return _("Aperto ora") if status.is_open else _("Chiuso")


def detail(status: DeskStatus) -> str:
    if status.is_open and status.closes_at is not None:
        return _("chiude alle %(time)s") % {"time": clock(status.closes_at)}
    if status.next_opening is not None:
        return _("riapre %(when)s") % {"when": when(status.next_opening, status.at)}
    return _("nessuna apertura in programma")


def banner(status: DeskStatus) -> str:
    return f"{headline(status)} · {detail(status)}"


def page_context(status: DeskStatus) -> dict[str, object]:
    """What every page showing the desk's state needs: the state and its two lines of text."""
    return {"status": status, "status_headline": headline(status), "status_detail": detail(status)}
