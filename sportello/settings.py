"""Settings for Sportello, read from the environment (see .env.example)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The fallback key only ever serves DEBUG runs (demo, tests); production must set its own.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="insecure-development-key-change-me" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sportello.accounts",
    "sportello.services",
    "sportello.public",
    "sportello.api",
    "sportello.intake",
    "sportello.privacy",
    "sportello.alerts",
    "sportello.triage",
    "sportello.cases",
    "sportello.rota",
    "sportello.appointments",
    "sportello.directory",
    "sportello.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "sportello.api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sportello.accounts.middleware.SecondFactorRequired",
    "sportello.accounts.middleware.NoStoreForStaffPages",
    "sportello.accounts.middleware.IdleSessionExpiry",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sportello.urls"
WSGI_APPLICATION = "sportello.wsgi.application"
ASGI_APPLICATION = "sportello.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sportello" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sportello.services.context_processors.organisation",
                "sportello.alerts.context_processors.alerts",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database lives in var/, which a fresh clone does not have yet.
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Reusing connections halves the webhook's latency (bench/intake.py); health checks drop a
# connection the database closed meanwhile instead of failing the next request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits and other short-lived counters must be shared by every web process: a file cache
# under var/ on one machine, Redis (CACHE_URL=redis://127.0.0.1:6379/1) when there are several.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{BASE_DIR / 'var' / 'cache'}")}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff-login"
LOGIN_REDIRECT_URL = "staff-home"

# Italian first, English second; Europe/Rome everywhere a person reads a time.
LANGUAGE_CODE = "it"
# Each language named in itself, as the switcher shows it.
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "sportello" / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# The demo and the tests serve static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Only technical cookies: session, CSRF. Language lives in the URL (/en/), not in a cookie.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
    else None
)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sportello API",
    "DESCRIPTION": (
        "Integration API of Sportello, the municipal help desk for psychological and "
        "relational emergencies. Instants are ISO 8601 with offset, Europe/Rome."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "LICENSE": {"name": "EUPL-1.2"},
    # Swagger UI served from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Personal data at rest (callers' numbers, reasons, API secrets) is encrypted with Fernet.
# SPORTELLO_ENCRYPTION_KEYS: comma-separated Fernet keys; the first encrypts, all decrypt, so a
# key is rotated by putting a new one first (`manage.py rotate_encryption` re-encrypts the rows).
# SPORTELLO_LOOKUP_KEY: the key of the keyed hashes that recognise a repeat caller without
# keeping the number in clear; changing it forgets who called before.
# DEBUG runs derive both from the secret key; production must set them.
SPORTELLO_ENCRYPTION_KEYS = env.list(
    "SPORTELLO_ENCRYPTION_KEYS", default=[] if DEBUG else environ.Env.NOTSET
)
SPORTELLO_LOOKUP_KEY = env.str("SPORTELLO_LOOKUP_KEY", default="" if DEBUG else environ.Env.NOTSET)
if not DEBUG and not (SPORTELLO_ENCRYPTION_KEYS and SPORTELLO_LOOKUP_KEY):
    raise ImproperlyConfigured(
        "SPORTELLO_ENCRYPTION_KEYS and SPORTELLO_LOOKUP_KEY must not be empty in production."
    )

# The contact centre.
# A callback that fails this many times is closed as unreachable and shown to the coordinators.
SPORTELLO_MAX_CALLBACK_ATTEMPTS = env.int("SPORTELLO_MAX_CALLBACK_ATTEMPTS", default=3)
# The number callbacks come from, as the person's phone shows it; empty: "may be withheld".
SPORTELLO_CALLBACK_CALLER_ID = env.str("SPORTELLO_CALLBACK_CALLER_ID", default="")
# Working minutes between a failed callback attempt and the next one.
SPORTELLO_CALLBACK_RETRY_MINUTES = env.int("SPORTELLO_CALLBACK_RETRY_MINUTES", default=30)
# Target wait before a contact is taken: the queue turns amber at half of it and red beyond it.
SPORTELLO_QUEUE_TARGET_MINUTES = env.int("SPORTELLO_QUEUE_TARGET_MINUTES", default=10)
# Seconds between refreshes of the live queue page.
SPORTELLO_QUEUE_REFRESH_SECONDS = env.int("SPORTELLO_QUEUE_REFRESH_SECONDS", default=5)
# Signed webhook requests older or newer than this many seconds are refused (replays).
SPORTELLO_SIGNATURE_MAX_AGE = env.int("SPORTELLO_SIGNATURE_MAX_AGE", default=300)
# Rate limits (django-ratelimit syntax: count/period) on the public request forms, per address
# and per telephone number, and on the API per client (DRF syntax).
SPORTELLO_FORM_RATE_PER_ADDRESS = env.str("SPORTELLO_FORM_RATE_PER_ADDRESS", default="10/h")
SPORTELLO_FORM_RATE_PER_NUMBER = env.str("SPORTELLO_FORM_RATE_PER_NUMBER", default="3/h")
SPORTELLO_API_RATE = env.str("SPORTELLO_API_RATE", default="600/min")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"api-client": SPORTELLO_API_RATE}
# A public form sent back faster than this (seconds) was filled by a robot.
SPORTELLO_FORM_MIN_SECONDS = env.int("SPORTELLO_FORM_MIN_SECONDS", default=3)

# Whether `make demo` may create its demo staff (never in production).
SPORTELLO_DEMO = env.bool("SPORTELLO_DEMO", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Links that are credentials (a citizen's appointment, a calendar feed) never reach a log.
    "filters": {"redact_tokens": {"()": "sportello.log_redaction.RedactTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# Background work: Celery. Production uses Redis (CELERY_BROKER_URL=redis://127.0.0.1:6379/0);
# DEBUG runs (the demo) default to kombu's filesystem transport under var/celery/, which needs no
# server. Production refuses to start without an explicit broker.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default="filesystem://localhost//" if DEBUG else environ.Env.NOTSET
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_queue = BASE_DIR / "var" / "celery" / "queue"
    _celery_processed = BASE_DIR / "var" / "celery" / "processed"
    for _folder in (_celery_queue, _celery_processed):
        _folder.mkdir(parents=True, exist_ok=True)
    # One folder both ways: what the web server writes is what the worker reads.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_queue),
        "data_folder_out": str(_celery_queue),
        "processed_folder": str(_celery_processed),
        "store_processed": False,
    }
# A task is acknowledged once it has run: a worker that dies mid-task leaves it for another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Tasks report through the database, never through results: no result backend to run.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# What tasks print (the demo's console e-mails) is information, not a warning.
CELERY_WORKER_REDIRECTS_STDOUTS_LEVEL = "INFO"
# Seconds between sweeps for high-risk contacts and overdue follow-ups to escalate.
SPORTELLO_ESCALATION_SWEEP_SECONDS = env.int("SPORTELLO_ESCALATION_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "escalate-risk": {
        "task": "sportello.triage.tasks.escalate",
        "schedule": float(SPORTELLO_ESCALATION_SWEEP_SECONDS),
    },
    "alerts-sweep": {"task": "sportello.alerts.tasks.sweep_unsent", "schedule": 300.0},
    "rota-sweep": {"task": "sportello.rota.tasks.sweep_runs", "schedule": 120.0},
}

# The roster (app rota): minimum rest between two shifts, and the solver's default time limit
# (the coordinator may choose another for one run, up to an hour).
SPORTELLO_ROTA_MIN_REST_HOURS = env.float("SPORTELLO_ROTA_MIN_REST_HOURS", default=11.0)
SPORTELLO_ROTA_TIME_LIMIT_SECONDS = env.int("SPORTELLO_ROTA_TIME_LIMIT_SECONDS", default=60)
SPORTELLO_ROTA_SOLVER_WORKERS = env.int("SPORTELLO_ROTA_SOLVER_WORKERS", default=2)
# Fetches of one operator's calendar feed, and wrong feed addresses from one network address
# (django-ratelimit syntax): calendar apps poll every few minutes to every few hours.
SPORTELLO_ROTA_FEED_RATE = env.str("SPORTELLO_ROTA_FEED_RATE", default="60/h")
# Staffing from demand (Erlang C): the handling time of one contact when the history has none
# (seconds), the share of contacts to answer within the target seconds, the highest share of
# time an operator spends on contacts, and the share of rostered time not spent answering.
SPORTELLO_ROTA_DEFAULT_HANDLING_SECONDS = env.float(
    "SPORTELLO_ROTA_DEFAULT_HANDLING_SECONDS", default=1500.0
)
SPORTELLO_ROTA_SERVICE_LEVEL = env.float("SPORTELLO_ROTA_SERVICE_LEVEL", default=0.8)
SPORTELLO_ROTA_TARGET_SECONDS = env.float("SPORTELLO_ROTA_TARGET_SECONDS", default=60.0)
SPORTELLO_ROTA_MAX_OCCUPANCY = env.float("SPORTELLO_ROTA_MAX_OCCUPANCY", default=0.85)
SPORTELLO_ROTA_SHRINKAGE = env.float("SPORTELLO_ROTA_SHRINKAGE", default=0.3)

# Appointments: session length and the gap after it (minutes), and the least notice a booking
# needs (minutes from now).
SPORTELLO_APPOINTMENT_MINUTES = env.int("SPORTELLO_APPOINTMENT_MINUTES", default=45)
SPORTELLO_APPOINTMENT_GAP_MINUTES = env.int("SPORTELLO_APPOINTMENT_GAP_MINUTES", default=15)
SPORTELLO_APPOINTMENT_NOTICE_MINUTES = env.int("SPORTELLO_APPOINTMENT_NOTICE_MINUTES", default=60)

# Video sessions (sportello.appointments.video_settings): "jitsi", or "demo" for no video server.
# A city sets the address of its own self-hosted Jitsi Meet; empty (the default, no third-party
# server) means the demo: no video, the pages show the link that would be sent. With a secret
# (the app_secret of Jitsi's token authentication, at least 32 bytes) each link carries a token
# bound to its room and valid from the minutes before the session to the minutes after it.
SPORTELLO_VIDEO_PROVIDER = env.str("SPORTELLO_VIDEO_PROVIDER", default="jitsi")
SPORTELLO_JITSI_URL = env.str("SPORTELLO_JITSI_URL", default="")
SPORTELLO_JITSI_APP_ID = env.str("SPORTELLO_JITSI_APP_ID", default="sportello")
SPORTELLO_JITSI_SECRET = env.str("SPORTELLO_JITSI_SECRET", default="")
SPORTELLO_VIDEO_OPENS_MINUTES_BEFORE = env.int("SPORTELLO_VIDEO_OPENS_MINUTES_BEFORE", default=10)
SPORTELLO_VIDEO_CLOSES_MINUTES_AFTER = env.int("SPORTELLO_VIDEO_CLOSES_MINUTES_AFTER", default=30)
# The citizen's appointment links (django-ratelimit rates per network address): every lookup
# of a link (the video waiting page polls every 30 seconds), and every change made through one.
SPORTELLO_CITIZEN_LINK_RATE = env.str("SPORTELLO_CITIZEN_LINK_RATE", default="300/h")
SPORTELLO_CITIZEN_ACTION_RATE = env.str("SPORTELLO_CITIZEN_ACTION_RATE", default="20/h")

# Messages to the person about appointments (sportello.appointments.delivery): reminders this
# many minutes before the start (comma list), the sender of the e-mails, the SMS gateway
# ("console" prints them, for the demo; "file" writes one file each into SPORTELLO_SMS_FILE_DIR;
# "twilio" sends them through Twilio's REST API), how many times one message is tried, and the
# back-off between tries (doubling from the first, capped).
SPORTELLO_REMINDER_LEADS_MINUTES = env.list(
    "SPORTELLO_REMINDER_LEADS_MINUTES", cast=int, default=[1440, 60]
)
SPORTELLO_MESSAGE_EMAIL_FROM = env.str(
    "SPORTELLO_MESSAGE_EMAIL_FROM", default="sportello@localhost"
)
# The console gateway prints numbers and links: the demo's default only; production names its
# gateway (twilio) or, to send no SMS and print them to its own log on purpose, "console".
SPORTELLO_SMS_BACKEND = env.str(
    "SPORTELLO_SMS_BACKEND", default="console" if DEBUG else environ.Env.NOTSET
)
SPORTELLO_SMS_FILE_DIR = env.str("SPORTELLO_SMS_FILE_DIR", default=str(BASE_DIR / "var" / "sms"))
SPORTELLO_TWILIO_ACCOUNT_SID = env.str("SPORTELLO_TWILIO_ACCOUNT_SID", default="")
SPORTELLO_TWILIO_AUTH_TOKEN = env.str("SPORTELLO_TWILIO_AUTH_TOKEN", default="")
SPORTELLO_TWILIO_FROM = env.str("SPORTELLO_TWILIO_FROM", default="")
SPORTELLO_TWILIO_URL = env.str("SPORTELLO_TWILIO_URL", default="https://api.twilio.com")
SPORTELLO_MESSAGE_MAX_ATTEMPTS = env.int("SPORTELLO_MESSAGE_MAX_ATTEMPTS", default=6)
SPORTELLO_MESSAGE_RETRY_SECONDS = env.int("SPORTELLO_MESSAGE_RETRY_SECONDS", default=60)
SPORTELLO_MESSAGE_RETRY_MAX_SECONDS = env.int("SPORTELLO_MESSAGE_RETRY_MAX_SECONDS", default=3600)
CELERY_BEAT_SCHEDULE["appointment-reminders"] = {
    "task": "sportello.appointments.tasks.send_reminders",
    "schedule": 60.0,
}

# Staff alerts (escalations, break-glass): shown in the staff header and sent by e-mail.
# Minutes after which an alert nobody has acknowledged is sent again.
SPORTELLO_ALERT_REPEAT_MINUTES = env.int("SPORTELLO_ALERT_REPEAT_MINUTES", default=15)
SPORTELLO_ALERT_EMAIL_FROM = env.str("SPORTELLO_ALERT_EMAIL_FROM", default="sportello@localhost")
# The address staff open Sportello at: alert e-mails link to it.
SPORTELLO_SITE_URL = env.str("SPORTELLO_SITE_URL", default="http://127.0.0.1:8000")
# E-mail: printed on the console in DEBUG runs, SMTP otherwise (smtp+tls://user:pw@host:587).
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)

# Staff who see health data (professionals, coordinators, superusers) confirm each session with
# a second factor: an authenticator app (TOTP) or a one-time recovery code. Off in DEBUG runs
# (the demo) unless set.
SPORTELLO_REQUIRE_MFA = env.bool("SPORTELLO_REQUIRE_MFA", default=not DEBUG)
# Second-factor codes a user may try (django-ratelimit syntax), right or wrong.
SPORTELLO_MFA_RATE = env.str("SPORTELLO_MFA_RATE", default="5/5m")
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env.str("SPORTELLO_MFA_ISSUER", default="Sportello")
# A session ends after this many minutes without a request, and when the browser closes.
SPORTELLO_SESSION_IDLE_MINUTES = env.int("SPORTELLO_SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SPORTELLO_SESSION_IDLE_MINUTES * 60
# Each request of the person (not the pages' automatic refreshes) moves the expiry forward:
# sportello.accounts.middleware.IdleSessionExpiry.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The case record: the version of the informed-consent text in force; a consent is recorded
# against it, so a new text asks for consent again.
SPORTELLO_CONSENT_TEXT_VERSION = env.str(
    "SPORTELLO_CONSENT_TEXT_VERSION", default="consenso-2026-01"
)

# The territorial directory: entries not verified for this many months (or never) are listed
# for the coordinator's review.
SPORTELLO_DIRECTORY_REVIEW_MONTHS = env.int("SPORTELLO_DIRECTORY_REVIEW_MONTHS", default=6)

# Referrals: an unanswered referral reminds its professional this many working days after it was
# sent (a working day is the desk's open time in a day: closed days and holidays do not count).
SPORTELLO_REFERRAL_FOLLOW_UP_WORKING_DAYS = env.int(
    "SPORTELLO_REFERRAL_FOLLOW_UP_WORKING_DAYS", default=5
)
# Not a tasks.py, so not autodiscovered: the worker imports it by name.
CELERY_IMPORTS = ["sportello.cases.referral_tasks"]
CELERY_BEAT_SCHEDULE["referral-reminders"] = {
    "task": "sportello.cases.referral_tasks.remind_unanswered",
    "schedule": 900.0,
}

# Statistics: a count below this threshold never leaves the system (dashboard, exports, open
# data, API); Italian official statistics require at least 3.
SPORTELLO_DISCLOSURE_THRESHOLD = env.int("SPORTELLO_DISCLOSURE_THRESHOLD", default=5)
if SPORTELLO_DISCLOSURE_THRESHOLD < 3:
    raise ImproperlyConfigured("SPORTELLO_DISCLOSURE_THRESHOLD must be at least 3.")

# Open data: last month's statistics are published on the 2nd of each month at 06:00 (Rome),
# when the rollups hold the month's last changes.
from celery.schedules import crontab  # noqa: E402  # type: ignore[import-untyped]

CELERY_IMPORTS += ["sportello.reports.open_data_tasks"]
CELERY_BEAT_SCHEDULE["open-data-monthly"] = {
    "task": "sportello.reports.open_data_tasks.publish_last_month",
    "schedule": crontab(minute=0, hour=6, day_of_month=2),
}
# The statistics' daily figures: the days touched since the last run are recomputed every few
# minutes (sportello.reports.tasks, autodiscovered).
CELERY_BEAT_SCHEDULE["statistics-rollups"] = {
    "task": "sportello.reports.tasks.refresh_rollups",
    "schedule": 300.0,
}

# Retention (sportello.privacy.retention): every night at 02:30 (Rome) a dry run reports what has
# expired; the real run (pseudonymise or delete, in batches) happens only when this is on. Off by
# default: in production the DPO turns it on after reading the dry runs.
SPORTELLO_RETENTION_ENFORCE = env.bool("SPORTELLO_RETENTION_ENFORCE", default=False)
CELERY_IMPORTS += ["sportello.privacy.retention_tasks"]
CELERY_BEAT_SCHEDULE["retention-nightly"] = {
    "task": "sportello.privacy.retention_tasks.apply_retention",
    "schedule": crontab(minute=30, hour=2),
}
