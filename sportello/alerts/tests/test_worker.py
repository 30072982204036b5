"""A real Celery worker takes the alert e-mail from the broker and sends it (PostgreSQL only)."""

import email
import time

import pytest

from sportello import celery_app
from sportello.alerts import operations
from sportello.alerts.models import Alert

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def through_the_broker(celery_worker_process):
    """This process runs tasks eagerly; here a task must travel through the broker."""
    conf = celery_app.conf
    eager = conf.task_always_eager
    conf.task_always_eager = False
    yield celery_worker_process
    conf.task_always_eager = eager


def _wait_until_emailed(alert: Alert, worker, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alert.refresh_from_db()
        if alert.email_sent_at is not None:
            return
        time.sleep(0.2)
    pytest.fail(f"the worker did not send the e-mail in {seconds} s:\n{worker.log_tail()}")


def test_the_worker_sends_the_email_of_a_committed_alert(through_the_broker, make_staff):
    coordinator = make_staff("coordinator")
    coordinator.email = "coordinatrice@example.org"
    coordinator.save()

    (alert,) = operations.raise_alert(
        [coordinator],
        kind="high_risk",
        title="Rischio alto: contatto SP-2026-000077",
        body="Un contatto a rischio alto aspetta una presa in carico.",
        link="/personale/contatti/77/",
        group_key="escalation:77",
    )

    _wait_until_emailed(alert, through_the_broker)
    assert alert.email_sent_for == 1
    assert list(alert.events.values_list("action", flat=True)) == ["raised", "emailed"]
    # The worker serves the whole session: this test's e-mail is the one to its recipient.
    messages = [
        email.message_from_bytes(path.read_bytes().split(b"\n" + b"-" * 79)[0])
        for path in through_the_broker.email_dir.iterdir()
    ]
    (message,) = [m for m in messages if m["To"] == "coordinatrice@example.org"]
    assert message["To"] == "coordinatrice@example.org"
    assert message["Subject"] == "[Sportello] Rischio alto: contatto SP-2026-000077"
    body = message.get_payload(decode=True).decode()
    assert "/personale/contatti/77/" in body and "non contiene dati personali" in body
