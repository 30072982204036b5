"""The Celery app: background work (alert e-mails, escalations, sweeps) beside the web server.

Start a worker with beat: `celery -A sportello worker --beat` (the Procfile does it for the demo).
"""

import os

from celery import Celery  # type: ignore[import-untyped]  # Celery ships no type hints

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.settings")

app = Celery("sportello")
# Every CELERY_* Django setting configures the app: CELERY_TASK_ACKS_LATE → task_acks_late.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
