"""``{{ day|long_day }}``: the day written out as everywhere else (see appointments.wording)."""

import datetime

from django import template

from sportello.appointments.wording import day_label

register = template.Library()


@register.filter
def long_day(moment: datetime.date | None) -> str:
    return day_label(moment) if moment else ""
