"""The Celery app reads Django's settings; production refuses to start without a broker."""

import os
import subprocess
import sys
from pathlib import Path

from sportello import celery_app

ROOT = Path(__file__).resolve().parents[3]


def test_the_app_takes_its_configuration_from_the_django_settings():
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1 and conf.task_ignore_result
    assert conf.accept_content == ["json"] and conf.timezone == "Europe/Rome"
    schedule = conf.beat_schedule
    assert schedule["escalate-risk"]["task"] == "sportello.triage.tasks.escalate"
    assert schedule["escalate-risk"]["schedule"] == 60.0
    assert schedule["alerts-sweep"] == {
        "task": "sportello.alerts.tasks.sweep_unsent",
        "schedule": 300.0,
    }
    # What a worker does at start: find every app's tasks.py.
    celery_app.loader.import_default_modules()
    assert {
        "sportello.alerts.tasks.send_alert_email",
        "sportello.alerts.tasks.sweep_unsent",
    } <= set(celery_app.tasks)


def _settings_in_production(**extra: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DJANGO_", "SPORTELLO_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="production-like-secret",
        SPORTELLO_ENCRYPTION_KEYS="o0jS8l3bC1bRZpQlbS9n0cJx4j1l6mDkqgkzWw0bq6M=",
        SPORTELLO_LOOKUP_KEY="production-like-lookup",
        SPORTELLO_SMS_BACKEND="twilio",
    )
    for key, value in extra.items():  # None: the variable is not set at all
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import sportello.settings as s; print(s.CELERY_BROKER_URL)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_broker():
    refused = _settings_in_production()
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "CELERY_BROKER_URL" in refused.stderr
    started = _settings_in_production(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "redis://127.0.0.1:6379/0"


def test_production_refuses_to_start_without_naming_its_sms_gateway():
    """The console gateway prints phone numbers and links: never production's by default."""
    refused = _settings_in_production(
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0", SPORTELLO_SMS_BACKEND=None
    )
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "SPORTELLO_SMS_BACKEND" in refused.stderr
