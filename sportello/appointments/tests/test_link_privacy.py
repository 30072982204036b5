"""A citizen's link is a credential: it never reaches a log, and the pages' own forms work in
a browser under their referrer policy."""

import io
import logging

import pytest
from django.urls import reverse

from sportello.appointments import links, operations
from sportello.appointments.models import AppointmentStatus
from sportello.appointments.tests.test_booking import TUESDAY_1030
from sportello.log_redaction import RedactTokens, redact

pytestmark = pytest.mark.django_db


def test_redact_hides_every_credential_segment():
    assert redact("Not Found: /appuntamento/abc.def:ghi/annulla/") == (
        "Not Found: /appuntamento/[token]/annulla/"
    )
    assert redact("Gone: /en/scegli-orario/xyz/") == "Gone: /en/scegli-orario/[token]/"
    assert redact("/personale/turni/calendario/k3y.ics") == "/personale/turni/calendario/[token]"
    assert redact("/personale/casi/12/") == "/personale/casi/12/"


@pytest.fixture
def console():
    """What the configured console handler writes, for the length of a test."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactTokens) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_refused_request_logs_the_path_without_the_token(client, desk, console):
    appointment = operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1030,
        channel="phone",
    )  # fmt: skip
    token = links.appointment_token(appointment)
    # An empty cancellation is refused (400) and Django logs the address of the refusal.
    response = client.post(reverse("citizen_appointments:manage-cancel", args=[token]), {})
    assert response.status_code == 400
    written = console.getvalue()
    assert "/appuntamento/[token]/annulla/" in written and token not in written


def test_a_browser_posting_with_its_origin_passes_the_csrf_check(desk):
    from django.test import Client

    appointment = operations.book(
        desk["paola"], case=desk["case"], professional=desk["paola"], starts_at=TUESDAY_1030,
        channel="phone",
    )  # fmt: skip
    browser = Client(enforce_csrf_checks=True)
    url = reverse("citizen_appointments:manage-cancel", args=[links.appointment_token(appointment)])
    page = browser.get(url)
    # Under "no-referrer" a browser would send "Origin: null" and every POST would be refused.
    assert page["Referrer-Policy"] == "same-origin"
    response = browser.post(
        url,
        {
            "csrfmiddlewaretoken": page.context["csrf_token"],
            "reason_choice": "busy",
        },
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
