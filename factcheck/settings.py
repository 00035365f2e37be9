"""Settings for the fact-checking desk, read from the environment.

One file for every deployment: development needs nothing set (SQLite next to
the code, DEBUG on); production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and
DATABASE_URL. A value that cannot be understood stops the start-up with a
message naming the variable, never a traceback from deep inside Django.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}.")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url):
    """Turn DATABASE_URL into a DATABASES entry, or explain what is wrong with it."""
    import dj_database_url

    if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(f"DATABASE_URL must start with postgres://, postgresql:// or sqlite://; got {url.split('://')[0]!r}.")
    try:
        config = dj_database_url.parse(url, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    except Exception as exc:  # dj-database-url raises several types for a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL could not be read: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names no database (postgres://user@host:port/NAME).")
        if envbool("DB_POOL", False):
            # Django's psycopg 3 pool; persistent connections and the pool exclude each other.
            config["CONN_MAX_AGE"] = 0
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": envint("DB_POOL_MIN", 2),
                "max_size": envint("DB_POOL_MAX", 10),
                "timeout": 10,
            }
        config["CONN_HEALTH_CHECKS"] = True
    else:
        config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    return config


# SQLite: a write waits at most SQLITE_TIMEOUT seconds for another writer's lock, then the request answers 503
# (nothing changed, try again) well before a client or gunicorn gives up on it.
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": envint("SQLITE_TIMEOUT", 10), "init_command": "PRAGMA journal_mode=WAL;"}

DEBUG = envbool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "development-only-key-never-used-with-debug-off"

# The key essay backups are signed with (HMAC-SHA256, claims/backup.py). Empty: a key derived from SECRET_KEY with a
# fixed salt. Desks that move backups between them set the same BACKUP_KEY on both.
BACKUP_KEY = os.environ.get("BACKUP_KEY", "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# Django's page, plus the reason in the log of refused requests.
CSRF_FAILURE_VIEW = "claims.requestlog.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks_db",
    "claims",
    "evidence",
    "notifications",
    "activity",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The person's time zone (kept in the session at sign-in) or DESK_TIME_ZONE; public pages always the desk's.
    "activity.timezones.TimeZoneMiddleware",
    "claims.requestlog.RefusedRequestLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "claims.middleware.DatabaseUnavailableMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factcheck.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "claims.context_processors.desk",
                "notifications.context_processors.bell",
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out attempt before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
# Editors land on the dashboard, reviewers on My queue (activity/views.py landing).
LOGIN_REDIRECT_URL = "landing"
LOGOUT_REDIRECT_URL = "home"

# Sessions live in the database so that any number of gunicorn workers share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "factcheck_cache",
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese")), ("zh-hant", _("Traditional Chinese"))]
LOCALE_PATHS = [BASE_DIR / "claims" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The desk that signs the verdicts (ClaimReview author).
DESK_NAME = os.environ.get("DESK_NAME", "Fact-check desk")
DESK_URL = os.environ.get("DESK_URL", "http://127.0.0.1:8000/")
# The desk's time zone: the public page and anyone who has not chosen their own (notifications/).
DESK_TIME_ZONE = os.environ.get("DESK_TIME_ZONE", "UTC").strip() or "UTC"
try:
    import zoneinfo

    zoneinfo.ZoneInfo(DESK_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"DESK_TIME_ZONE must name an IANA time zone such as Asia/Taipei; got {DESK_TIME_ZONE!r}.") from None

# Mail (notifications/email_config.py): EMAIL_URL, or the EMAIL_HOST/... variables, or the console in development.
from notifications.email_config import CONSOLE, SMTP, BadEmailSetting, from_url  # noqa: E402

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "desk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
if os.environ.get("EMAIL_URL", "").strip():
    try:
        globals().update(from_url(os.environ["EMAIL_URL"].strip()))
    except BadEmailSetting as exc:
        raise ImproperlyConfigured(str(exc)) from None
elif os.environ.get("EMAIL_HOST", "").strip():
    EMAIL_BACKEND = SMTP
    EMAIL_HOST = os.environ["EMAIL_HOST"].strip()
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
else:
    EMAIL_BACKEND = CONSOLE if DEBUG else SMTP

# Largest essay accepted by the import form, the API and the commands.
ESSAY_MAX_BYTES = envint("ESSAY_MAX_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = ESSAY_MAX_BYTES + 512 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = ESSAY_MAX_BYTES + 512 * 1024
# Essays longer than this (characters) are stored at once and their claims proposed by a
# background worker (claims/import_jobs.py), each step counted on the import page's progress
# bar; a job that takes longer than IMPORT_TIME_LIMIT seconds fails and can be retried.
IMPORT_BACKGROUND_CHARS = envint("IMPORT_BACKGROUND_CHARS", 20_000)
IMPORT_TIME_LIMIT = envint("IMPORT_TIME_LIMIT", 600)

# Fetching pages (claims/fetching.py): hosts allowed even though they resolve
# to a loopback or private address (comma-separated; the tests list their local server).
FETCH_ALLOWED_HOSTS = envlist("FETCH_ALLOWED_HOSTS", [])

# Import from files and web addresses (claims/intake.py): the largest .docx, .html file or fetched
# page read (its text must still fit ESSAY_MAX_BYTES), and the deadline of a fetch in seconds.
IMPORT_MAX_FILE_BYTES = envint("IMPORT_MAX_FILE_BYTES", 5 * 1024 * 1024)
IMPORT_FETCH_TIMEOUT = envint("IMPORT_FETCH_TIMEOUT", 15)

# Source capture (evidence/): every attached source is fetched in the background,
# kept as a gzipped WARC file under ARCHIVE_ROOT (Django storage) and its excerpt verified.
SOURCE_CAPTURE = envbool("SOURCE_CAPTURE", True)
SOURCE_CAPTURE_MAX_BYTES = envint("SOURCE_CAPTURE_MAX_BYTES", 10 * 1024 * 1024)
SOURCE_RECHECK_DAYS = envint("SOURCE_RECHECK_DAYS", 30)
# Most sources one claim may have: a check cites a handful; a runaway script or a mistaken reuse stops here.
MAX_SOURCES_PER_CLAIM = envint("MAX_SOURCES_PER_CLAIM", 100)

# "Checked before" outside the desk (search/factcheck_api.py): Google's Fact Check Claim Search API,
# off unless a key is given; its answers are shown apart, labelled as from outside the desk.
GOOGLE_FACTCHECK_API_KEY = os.environ.get("GOOGLE_FACTCHECK_API_KEY", "").strip()
GOOGLE_FACTCHECK_URL = os.environ.get("GOOGLE_FACTCHECK_URL", "https://factchecktools.googleapis.com/v1alpha1/claims:search")
GOOGLE_FACTCHECK_TIMEOUT = envint("GOOGLE_FACTCHECK_TIMEOUT", 3)
SOURCE_CAPTURE_TIMEOUT = envint("SOURCE_CAPTURE_TIMEOUT", 10)  # seconds for the whole fetch of one page
# Optional: also ask the Internet Archive's Save Page Now for a copy; its address fills an empty archive_url.
WAYBACK_SAVE = envbool("WAYBACK_SAVE", False)
WAYBACK_SAVE_ENDPOINT = os.environ.get("WAYBACK_SAVE_ENDPOINT", "https://web.archive.org/save/")
ARCHIVE_TOKEN_SECONDS = envint("ARCHIVE_TOKEN_SECONDS", 3600)  # a signed link to an archived page itself
# A recheck marks a page changed below this similarity to the captured text (0 to 1).
SOURCE_RECHECK_SIMILARITY = float(os.environ.get("SOURCE_RECHECK_SIMILARITY") or 0.8)
ARCHIVE_ROOT = Path(os.environ.get("ARCHIVE_ROOT") or BASE_DIR / "archive")

# Background work (Django's Tasks framework): the database backend keeps the queue in the
# desk's own database, so it needs nothing beyond it and any number of `manage.py db_worker`
# processes on any machine that reaches the database share the work. TASKS_BACKEND may name
# another backend, e.g. django.tasks.backends.immediate.ImmediateBackend to run tasks in the request.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": envlist("TASKS_QUEUES", ["default"]),
    }
}

# Security headers; the cookie and HTTPS settings follow DEBUG so that
# `manage.py check --deploy` is clean in production and runserver works on http.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
HTTPS = envbool("HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix pins the cookie to this host, HTTPS and path "/".
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one
# username from one address, that pair waits AXES_COOLOFF_MINUTES; never a
# permanent lock-out that anyone could inflict on an editor.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Renders that template with the pause in minutes (axes' own context says "PT15M") and a Retry-After header.
AXES_LOCKOUT_CALLABLE = "claims.signin.lockout_response"
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_VERBOSE = False
# The lock-out ends AXES_COOLOFF_MINUTES after it began, however often the attacker keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Behind TRUSTED_PROXY_COUNT reverse proxies, the client's address is read from X-Forwarded-For;
# otherwise every attempt would come from the proxy's address and share one lock.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "claims.signin.client_ip"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "token_user": os.environ.get("TOKEN_THROTTLE_USER", "5/min"),
        "token_ip": os.environ.get("TOKEN_THROTTLE_IP", "20/min"),
    },
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    # Without it DRF keys its throttles on the whole X-Forwarded-For header, which any client can vary.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check desk API",
    "DESCRIPTION": "Essays, claims, sources, notes, the review workflow and published verdicts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {"ClaimStatusEnum": "claims.models.Status", "WorkflowActionEnum": "claims.workflow.CLAIM_ACTIONS"},
    # Every operation may answer 503 when the database is unavailable or busy: documented once, for all of them.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "claims.api.views.document_unavailable"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "claims.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "claims": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
