"""The public forms: "call me back" and "I would like a video call".

A person leaves a way to be reached and the times that suit them; the times offered are the
desk's own opening hours of the next open days, so a request never asks for a call when nobody
is there to make it. Robots are kept out without a CAPTCHA (which many people using assistive
technology cannot solve): a field only robots fill, and a signed start time that refuses forms
sent back too fast or much later.
"""

import datetime
import math
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sportello.form_styling import BootstrapItaliaForm
from sportello.intake import phone_numbers
from sportello.intake.models import Channel
from sportello.intake.operations import NUMBER_LOOKUP, ContactRequest
from sportello.services import queries as catalogue
from sportello.services.models import Service
from sportello.services.opening_calendar import OpeningCalendar

# How many open days the form offers, and how far it looks for them (a long holiday closure).
WINDOW_DAYS = 3
SEARCH_DAYS = 31
# A window is split at its midpoint rounded to this many minutes.
WINDOW_ROUNDING_MINUTES = 15
# A window that has begun is still offered while this much of it is left to make the call.
MIN_WINDOW_LEFT = datetime.timedelta(minutes=30)

HONEYPOT = "website"
STARTED = "started"
START_SALT = "sportello.intake.citizen.started"
START_MAX_AGE = 2 * 60 * 60  # seconds

YES_NO = [("yes", _("Sì")), ("no", _("No"))]
EMAIL_LOOKUP = "caller-email"


class TelephoneInput(forms.TextInput):
    """A number field: the phone keypad on mobiles, the browser's saved number offered."""

    input_type = "tel"


@dataclass(frozen=True)
class OfferedWindow:
    """A time a professional may call, as offered on the form."""

    start: datetime.datetime
    end: datetime.datetime

    @property
    def value(self) -> str:
        """What the checkbox sends: ``2026-12-01T09:30/13:45`` (wall clock, desk's zone)."""
        return f"{self.start:%Y-%m-%dT%H:%M}/{self.end:%H:%M}"

    @property
    def label(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"


@dataclass(frozen=True)
class OfferedDay:
    day: datetime.date
    windows: tuple[OfferedWindow, ...]
    days_ahead: int = 0  # 0 today, 1 tomorrow

    @property
    def label(self) -> str:
        """``martedì 1 dicembre`` / ``Tuesday 1 December``, in the active language."""
        label = formats.date_format(self.day, "l j F")
        # Italian writes day and month names in lower case; English capitalises them.
        return label.lower() if (get_language() or "it").startswith("it") else label


def offered_windows(
    at: datetime.datetime, calendar: OpeningCalendar, tz: datetime.tzinfo
) -> list[OfferedDay]:
    """The windows of the next WINDOW_DAYS open days from ``at`` (today included while it has a
    window left): each open interval split in two at its midpoint rounded to the quarter hour;
    windows over, or ending within MIN_WINDOW_LEFT, are left out."""
    days: list[OfferedDay] = []
    today = at.astimezone(tz).date()
    for days_ahead in range(SEARCH_DAYS):
        day = today + datetime.timedelta(days=days_ahead)
        if len(days) == WINDOW_DAYS:
            break
        midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        next_midnight = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        windows = tuple(
            OfferedWindow(start, end)
            for opens, closes in calendar.open_intervals(midnight, next_midnight)
            for start, end in _halves(opens, closes, tz)
            if at < end - MIN_WINDOW_LEFT
        )
        if windows:
            days.append(OfferedDay(day, windows, days_ahead))
    return days


def _halves(
    opens: datetime.datetime, closes: datetime.datetime, tz: datetime.tzinfo
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    utc_opens, utc_closes = opens.astimezone(datetime.UTC), closes.astimezone(datetime.UTC)
    middle = (utc_opens + (utc_closes - utc_opens) / 2).astimezone(tz)
    minutes = middle.hour * 60 + middle.minute + middle.second / 60
    rounded = math.floor(minutes / WINDOW_ROUNDING_MINUTES + 0.5) * WINDOW_ROUNDING_MINUTES
    if rounded >= 24 * 60:
        return [(opens, closes)]
    split = datetime.datetime.combine(
        middle.date(), datetime.time(rounded // 60, rounded % 60), tzinfo=tz
    )
    if not opens < split < closes:
        return [(opens, closes)]
    return [(opens, split), (split, closes)]


def _clock(moment: datetime.datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def start_token() -> str:
    """The signed moment a form was handed out."""
    return signing.TimestampSigner(salt=START_SALT).sign("citizen-request")


def _yes_no(label: Any, required_message: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class CitizenRequestForm(BootstrapItaliaForm):
    """What both requests ask; the subclasses add where to reach the person."""

    channel: str = ""
    field_order = [
        "service",
        "email",
        "phone",
        "windows",
        "safe_to_call",
        "safe_to_leave_message",
        "danger_now",
        "caller_name",
        "reason",
        "consent",
    ]
    # Which services a request of this kind can be for.
    service_flag = "by_phone"

    service = forms.ChoiceField(
        label=_("Per quale servizio?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Scegli il servizio a cui ti rivolgi."),
            "invalid_choice": _("Scegli uno dei servizi elencati."),
        },
    )
    windows = forms.MultipleChoiceField(
        label=_("Quando possiamo contattarti?"),
        help_text=_("Scegli una o più fasce orarie: puoi sceglierne quante vuoi."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Scegli almeno una fascia oraria in cui possiamo contattarti."),
            "invalid_choice": _(
                "La fascia oraria scelta non è più disponibile: scegline una tra quelle elencate."
            ),
        },
    )
    safe_to_call = _yes_no(
        _("È sicuro per te ricevere una nostra chiamata a questo numero?"),
        _("Rispondi sì o no: è sicuro per te ricevere una nostra chiamata?"),
        _(
            "Rispondi no se altre persone potrebbero rispondere o controllare il tuo telefono: "
            "il professionista ne terrà conto."
        ),
    )
    safe_to_leave_message = _yes_no(
        _("Se non rispondi, possiamo lasciarti un messaggio?"),
        _("Rispondi sì o no: possiamo lasciarti un messaggio?"),
    )
    danger_now = _yes_no(
        _("Qualcuno è in pericolo in questo momento?"),
        _("Rispondi sì o no: qualcuno è in pericolo in questo momento?"),
    )
    caller_name = forms.CharField(
        label=_("Nome o soprannome"),
        help_text=_("Come vuoi che ti chiamiamo: puoi anche restare anonimo."),
        required=False,
        max_length=60,
        error_messages={"max_length": _("Il nome può avere al massimo 60 caratteri.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "maxlength": 60}),
    )
    reason = forms.CharField(
        label=_("Di che cosa vorresti parlare?"),
        help_text=_("In poche parole, al massimo 500 caratteri."),
        required=False,
        max_length=500,
        error_messages={"max_length": _("Il messaggio può avere al massimo 500 caratteri.")},
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
    )
    consent = forms.BooleanField(
        label=_("Ho letto l'informativa sulla privacy"),
        error_messages={
            "required": _(
                "Per inviare la richiesta devi dichiarare di aver letto l'informativa sulla "
                "privacy."
            )
        },
    )
    # Hidden from people and from assistive technology: only a robot fills it in.
    website = forms.CharField(label=_("Lascia vuoto questo campo"), required=False)
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, at: datetime.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at = at
        organisation = catalogue.current_organisation()
        calendar = catalogue.opening_calendar(organisation)
        self.offered_days = offered_windows(at, calendar, zoneinfo.ZoneInfo(organisation.timezone))
        self._windows = {
            window.value: window for day in self.offered_days for window in day.windows
        }
        self.fields["windows"].choices = [
            (window.value, window.label) for window in self._windows.values()
        ]
        self._services = {
            service.code: service
            for service in catalogue.active_services()
            if getattr(service, self.service_flag)
        }
        self.fields["service"].choices = [
            (code, service.name) for code, service in self._services.items()
        ]
        if self._services and not self.is_bound:
            self.initial.setdefault("service", next(iter(self._services)))

    # What the template lays out ---------------------------------------------------------------

    @property
    def service_options(self) -> list[tuple[Any, Service]]:
        """Each service's radio button beside the service, so the page can show its summary."""
        return [
            (widget, self._services[widget.data["value"]]) for widget in self["service"].subwidgets
        ]

    @property
    def window_days(self) -> list[tuple[OfferedDay, list[Any]]]:
        """The window checkboxes grouped by day."""
        by_value = {widget.data["value"]: widget for widget in self["windows"].subwidgets}
        return [
            (day, [by_value[window.value] for window in day.windows]) for day in self.offered_days
        ]

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip()) if self.is_bound else False

    def start_token_for_page(self) -> str:
        """The start time to send with the page: a valid one sent back is kept (so that fixing
        an error in a hurry is not refused as too fast), anything else is replaced."""
        token = self.data.get(STARTED, "") if self.is_bound else ""
        try:
            signing.TimestampSigner(salt=START_SALT).unsign(token, max_age=START_MAX_AGE)
        except signing.BadSignature:
            return start_token()
        return token

    # Validation -------------------------------------------------------------------------------

    def clean_service(self) -> Service:
        return self._services[self.cleaned_data["service"]]

    def clean_windows(self) -> list[OfferedWindow]:
        return sorted(
            (self._windows[value] for value in self.cleaned_data["windows"]),
            key=lambda window: window.start,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        signer = signing.TimestampSigner(salt=START_SALT)
        token = cleaned.get(STARTED, "")
        try:
            signer.unsign(token, max_age=START_MAX_AGE)
        except signing.BadSignature:  # tampered, missing, or older than START_MAX_AGE
            self.add_error(
                None,
                forms.ValidationError(
                    _("Il modulo è scaduto: controlla i dati e invialo di nuovo."),
                    code="expired",
                ),
            )
            return cleaned
        minimum = settings.SPORTELLO_FORM_MIN_SECONDS
        if minimum > 0:
            try:
                signer.unsign(token, max_age=minimum)
            except signing.SignatureExpired:
                pass  # older than the minimum: a person had the time to fill it in
            else:
                self.add_error(
                    None,
                    forms.ValidationError(
                        _(
                            "Il modulo è stato inviato troppo in fretta: controlla i dati e "
                            "invialo di nuovo."
                        ),
                        code="too_fast",
                    ),
                )
        return cleaned

    # The request for the operation ------------------------------------------------------------

    def contact_details(self) -> dict[str, str]:
        raise NotImplementedError

    def recipients(self) -> list[tuple[str, str]]:
        """(value, purpose) pairs the per-recipient rate limit counts."""
        raise NotImplementedError

    def contact_request(self, *, received_at: datetime.datetime, language: str) -> ContactRequest:
        data = self.cleaned_data
        return ContactRequest(
            channel=self.channel,
            service=data["service"],
            received_at=received_at,
            reason=data["reason"].strip(),
            danger_now=data["danger_now"],
            windows=tuple((window.start, window.end) for window in data["windows"]),
            safe_to_call=data["safe_to_call"],
            safe_to_leave_message=data["safe_to_leave_message"],
            language=language,
            caller_name=data["caller_name"].strip(),
            **self.contact_details(),
        )


class CallbackRequestForm(CitizenRequestForm):
    channel = Channel.WEB_CALLBACK
    service_flag = "by_phone"

    phone = forms.CharField(
        label=_("Numero di telefono a cui richiamarti"),
        help_text=_("Per esempio 333 123 4567 o +39 02 1234 5678."),
        max_length=30,
        error_messages={
            "required": _("Scrivi il numero di telefono a cui vuoi essere richiamato."),
            "max_length": _("Il numero è troppo lungo: scrivilo senza altre parole."),
        },
        widget=TelephoneInput(attrs={"autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        return phone_numbers.normalise(self.cleaned_data["phone"])

    def contact_details(self) -> dict[str, str]:
        return {"caller_number": self.cleaned_data["phone"]}

    def recipients(self) -> list[tuple[str, str]]:
        return [(self.cleaned_data["phone"], NUMBER_LOOKUP)]


class VideoRequestForm(CitizenRequestForm):
    channel = Channel.WEB_VIDEO
    service_flag = "by_video"

    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        error_messages={
            "invalid": _("Scrivi un indirizzo email valido, per esempio nome@esempio.it."),
            "max_length": _("L'indirizzo email è troppo lungo."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Numero di cellulare"),
        help_text=_("Per ricevere il link con un SMS. Per esempio 333 123 4567."),
        required=False,
        max_length=30,
        error_messages={"max_length": _("Il numero è troppo lungo: scrivilo senza altre parole.")},
        widget=TelephoneInput(attrs={"autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["safe_to_call"].label = _(
            "È sicuro per te ricevere i nostri messaggi e le nostre chiamate a questi recapiti?"
        )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        return phone_numbers.normalise(raw) if raw else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "email" in cleaned and "phone" in cleaned and not (cleaned["email"] or cleaned["phone"]):
            self.add_error(
                "email",
                forms.ValidationError(
                    _(
                        "Scrivi un'email o un numero di cellulare: ti mandiamo lì il link della "
                        "videochiamata."
                    ),
                    code="no_recipient",
                ),
            )
        return cleaned

    def contact_details(self) -> dict[str, str]:
        return {"email": self.cleaned_data["email"], "caller_number": self.cleaned_data["phone"]}

    def recipients(self) -> list[tuple[str, str]]:
        recipients = []
        if self.cleaned_data["phone"]:
            recipients.append((self.cleaned_data["phone"], NUMBER_LOOKUP))
        if self.cleaned_data["email"]:
            recipients.append((self.cleaned_data["email"].lower(), EMAIL_LOOKUP))
        return recipients
