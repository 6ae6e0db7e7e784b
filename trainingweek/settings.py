"""Settings for trainingweek, read from the environment (12-factor).

With nothing set the app runs on SQLite with Celery tasks executed eagerly
(in-process), which is what the README's run command uses. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY, FIELD_ENCRYPTION_KEY, FIELD_HASH_KEY,
ALLOWED_HOSTS and DEBUG=false (see docker-compose.yml).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from trainingweek.http import ipware_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "rules",
    "csp",
    "simple_history",
    "trainingweek",
    "programs.agreements",
    "programs.students",
    "programs.rosters",
    "programs.attendance",
    "scoring",
    "stipends.payouts",
    "stipends.settlement",
]

MIDDLEWARE = [
    # First: the container health check needs no host, HTTPS or login.
    "trainingweek.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "trainingweek.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit history records the signed-in user of the request (trainingweek.history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trainingweek.urls"
WSGI_APPLICATION = "trainingweek.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default under load (eight people saving at once): without
    # these, 41 of 200 concurrent attendance saves failed "database is locked".
    # - WAL: readers no longer block the writer nor the writer the readers;
    #   synchronous=NORMAL is WAL's safe setting (no corruption on a crash).
    # - IMMEDIATE: a transaction takes the write lock when it begins, so it
    #   waits its turn (busy timeout) instead of failing when a read lock
    #   cannot be upgraded, which SQLite reports at once without waiting.
    # - timeout: the busy timeout, seconds to wait for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "trainingweek.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Object permissions: the predicates in each app's permissions.py (axes stays first).
    "rules.permissions.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: a whole classroom shares one public address, so lock on the
# pair (username, address), never the address alone, and let the lock expire.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies stand in front of the app (the README's TLS proxy:
# 1). Without this, behind a proxy every request seems to come from the proxy:
# five wrong passwords from anywhere would lock an account for everyone, and
# the personal-data access log would record only the proxy. Lockouts, the
# access log and audit records all read trainingweek.http.client_address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "trainingweek.http.client_address"
globals().update(ipware_options(TRUSTED_PROXY_COUNT))  # AXES_IPWARE_PROXY_COUNT, ..._META_PRECEDENCE_ORDER

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so nobody is lost after switching.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "trainingweek" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded spreadsheets: the limit is stated on the upload pages.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Grid pages (a team's week of attendance: students × 7 days × 2 fields) post
# more than Django's default 1,000 fields once a team passes ~70 students.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=10000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20000)
# Imports above this many rows run as a background job with a progress page.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=500)
# A student import checks every ID number against the school's records; a
# user whose imports were rejected this many times within the hour waits
# (a rejected file answers which IDs are on record: no guessing by the thousand).
STUDENT_IMPORT_REJECTIONS_PER_HOUR = env.int("STUDENT_IMPORT_REJECTIONS_PER_HOUR", default=5)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Personal data (PIPL): ID numbers, phones and bank cards are encrypted at
# rest with this key; a separate keyed hash lets duplicates be found without
# decrypting. Both derive from SECRET_KEY in development only: in production a
# derived key would change with a rotated SECRET_KEY (losing the data, or every
# duplicate look-up) and a leaked SECRET_KEY would give away both.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="")
if not DEBUG:
    for _name, _what in (
        ("FIELD_ENCRYPTION_KEY", "the Fernet key(s) that encrypt ID numbers, phones and bank cards"),
        ("FIELD_HASH_KEY", "the key of the digests that find duplicate ID numbers and bank cards"),
    ):
        if not globals()[_name].strip():
            raise ImproperlyConfigured(
                f"{_name} must be set when DEBUG is false: it is {_what}, and production never "
                f"derives it from SECRET_KEY. Set it in .env (see the README, Production)."
            )

# Celery: eager (in-process) unless a broker is configured. Production uses
# Redis; ``CELERY_BROKER_URL=filesystem://`` (what ``.ci/serve`` sets) needs no
# server at all: the worker started beside runserver reads the queue from a
# folder, so jobs run off the request with their progress bar on the embedded
# default too.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_QUEUE_DIR = env.path("CELERY_QUEUE_DIR", default=BASE_DIR / "var" / "celery-queue")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR), "data_folder_out": str(CELERY_QUEUE_DIR),
        "store_processed": False,
        # kombu's default is a "control" folder in the working directory.
        "control_folder": str(Path(CELERY_QUEUE_DIR) / "control"),
    }
    Path(CELERY_QUEUE_DIR).mkdir(parents=True, exist_ok=True)  # kombu expects the folder to exist
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True  # a killed worker's task is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A running job that has not reported for this long lost its worker: it is
# shown as interrupted and may be resumed (far sooner than the broker's
# redelivery, an hour later). Work reports at least once per chunk.
JOB_STALE_AFTER_SECONDS = env.int("JOB_STALE_AFTER_SECONDS", default=180)
# An interrupted or never-started job is given up after this long: failed,
# and its uploaded file (personal data) deleted.
JOB_GIVE_UP_AFTER_SECONDS = env.int("JOB_GIVE_UP_AFTER_SECONDS", default=24 * 3600)
# Files a job made (score-sheet PDFs name students) are deleted after this many days.
JOB_RESULT_KEEP_DAYS = env.int("JOB_RESULT_KEEP_DAYS", default=14)
# Downloads of an approved batch's bank file: up to this many transfers the
# sheet is built within the request; a bigger batch's file is prepared by a
# background job (a gunicorn thread would build 10,000 transfers for ~0.7 s)
# and downloaded from the batch's page.
DIRECT_DOWNLOAD_MAX_ROWS = env.int("DIRECT_DOWNLOAD_MAX_ROWS", default=2000)
# A prepared bank file holds every full account number: it is kept (encrypted)
# this many hours, then deleted by the hourly clean-up; prepare it again after.
BANK_FILE_KEEP_HOURS = env.int("BANK_FILE_KEEP_HOURS", default=24)
CELERY_BEAT_SCHEDULE: dict = {
    "clean-up-jobs": {
        "task": "trainingweek.clean_up_jobs",
        "schedule": crontab(minute=15),
    },
    # Settlement deadlines: reminders a few working days ahead (beat service).
    "settlement-deadline-reminders": {
        "task": "settlement.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
}
SETTLEMENT_REMINDER_WORKING_DAYS = env.int("SETTLEMENT_REMINDER_WORKING_DAYS", default=3)

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="trainingweek@localhost")

# Production hardening; `manage.py check --deploy` is clean with DEBUG=false.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts, styles, fonts and images only
# from this site, no inline script unless it carries the request's nonce
# (<script nonce="{{ request.csp_nonce }}">), no inline event handlers or style
# attributes (static/js/site.js and static/css/site.css do that work), no
# framing. data: images are Bootstrap's SVG icons inside its CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Classroom computers are shared: a session lasts a working day at most (from
# login; it is not renewed by use) and, unless configured otherwise, ends when
# the browser is closed.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=9 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}},  # its subsetter narrates every table at INFO
}
