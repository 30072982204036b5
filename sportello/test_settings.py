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
