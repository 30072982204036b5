"""Settings for the test suite: the production settings with test-only defaults filled in.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL says so.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production")
# Fixed keys so that encrypted values and lookup hashes are stable across test processes.
os.environ.setdefault("SPORTELLO_ENCRYPTION_KEYS", "o0jS8l3bC1bRZpQlbS9n0cJx4j1l6mDkqgkzWw0bq6M=")
os.environ.setdefault("SPORTELLO_LOOKUP_KEY", "tests-only-lookup-key")
os.environ.setdefault(
    "DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# The broker, read by sportello.settings from CELERY_BROKER_URL like in production, and set
# nowhere else: the worker the worker tests start is given it in its environment
# (sportello.testing.celery_worker_process); the test process, where tasks run eagerly, uses
# SPORTELLO_TEST_BROKER (the worker tests' broker) or an in-memory one.
os.environ.setdefault("CELERY_BROKER_URL", os.environ.get("SPORTELLO_TEST_BROKER") or "memory://")
# Production must name its SMS gateway; the tests print to nowhere unless they install one.
os.environ.setdefault("SPORTELLO_SMS_BACKEND", "console")

from sportello.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
# Static files straight from the source folders, as in the demo (the browser tests need them).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Each test process counts its own rate limits; the tests that exercise them clear the cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003"]
SPORTELLO_FORM_MIN_SECONDS = 0
# Persistent connections outlive the live server's request threads: the browser tests would
# share an in-memory SQLite connection across threads and keep the PostgreSQL test database
# busy at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Each test process has its own queue, so parallel runs on one broker never take each other's
# tasks; the worker it starts is told the name (sportello.testing.celery_worker_process).
CELERY_TASK_DEFAULT_QUEUE = (
    os.environ.get("SPORTELLO_TEST_QUEUE") or f"sportello-test-{os.getpid()}"
)
# The worker tests' Celery worker writes its e-mails where the test can read them.
if os.environ.get("SPORTELLO_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["SPORTELLO_TEST_EMAIL_DIR"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# SMS to the person likewise go to files (one per SMS) where the worker tests read them; and
# the back-off between tries is short, so that a retried message arrives within a test.
if os.environ.get("SPORTELLO_TEST_SMS_DIR"):
    SPORTELLO_SMS_BACKEND = "file"
    SPORTELLO_SMS_FILE_DIR = os.environ["SPORTELLO_TEST_SMS_DIR"]
SPORTELLO_MESSAGE_RETRY_SECONDS = 1
SPORTELLO_MESSAGE_RETRY_MAX_SECONDS = 4
# The worker the worker tests start sends what its own tasks enqueue (a retry with its back-off)
# through the broker too, not eagerly inside the running task.
if os.environ.get("SPORTELLO_TEST_WORKER") == "1":
    CELERY_TASK_ALWAYS_EAGER = False

# The second factor is off like in the demo; its tests turn it on.
SPORTELLO_REQUIRE_MFA = False
