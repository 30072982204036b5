"""Days and times as people read them, on the desk's calendar and in the active language:
"martedì 1 dicembre 2026" in Italian (names in lower case, as Italian writes them), "Tuesday 1
December 2026" in English. Staff pages, citizen pages and messages all say it the same way."""

import datetime

from django.utils import formats, translation

from sportello.services import queries as catalogue


def _local(moment: datetime.date) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        return moment.astimezone(catalogue.desk_zone())
    return moment


def day_label(moment: datetime.date, *, year: bool = True) -> str:
    label = formats.date_format(_local(moment), "l j F Y" if year else "l j F")
    italian = (translation.get_language() or "it").startswith("it")
    return label.lower() if italian else label


def clock(moment: datetime.datetime) -> str:
    local = moment.astimezone(catalogue.desk_zone())
    return f"{local.hour}:{local.minute:02d}"
