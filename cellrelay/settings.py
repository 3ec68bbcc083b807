"""cellrelay settings: one file, driven by environment variables.

Demo defaults are safe on a laptop; ``CELLRELAY_PRODUCTION=1`` turns on production mode, in
which a missing secret key is an error and ``manage.py check --deploy`` is clean.
"""

from datetime import timedelta
from pathlib import Path
import json
import os

from csp.constants import NONE, SELF
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/systemd secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


PRODUCTION = env_bool("CELLRELAY_PRODUCTION")
DEBUG = env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("Set SECRET_KEY or SECRET_KEY_FILE in production mode.")
    SECRET_KEY = "demo-only-insecure-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "ninja",  # its own copy of Swagger UI for /api/docs: no CDN, which a closed hospital network cannot reach
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "cellrelay.organisation",
    "cellrelay.journal",
    "cellrelay.patients",
    "cellrelay.referrals",
    "cellrelay.pathway",
    "cellrelay.pharmacy",
    "cellrelay.monitoring",
    "cellrelay.products",
    "cellrelay.followup",
    "cellrelay.registry",
    "cellrelay.demo",  # last: the demo room is above every other
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # An API call with a bearer token goes down BEARER_API_MIDDLEWARE instead of the rest of this list: no session,
    # no CSRF, no second factor (cellrelay/bearer_api.py).
    "cellrelay.bearer_api.BearerApiMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cellrelay.organisation.middleware.IdleTimeoutMiddleware",
    "cellrelay.organisation.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cellrelay.journal.middleware.RequestIdMiddleware",
    "cellrelay.journal.middleware.ReadJournalMiddleware",
    # Input no page could store is refused with a 413 or 422 in the user's language, before any view (and the
    # CSRF check, which runs just before the view) reads it; after the session and user, so that its page knows them.
    "cellrelay.input_guard.InputGuardMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused login into the lockout page
]

# The bearer API calls' chain: what stays of MIDDLEWARE for a caller that is no browser session (issue #14).
BEARER_API_MIDDLEWARE = [
    "cellrelay.bearer_api.ApiResponseHeaders",  # the language from Accept-Language, CSP, X-Frame-Options
    "cellrelay.journal.middleware.RequestIdMiddleware",
    "cellrelay.journal.middleware.ReadJournalMiddleware",
    "cellrelay.input_guard.InputGuardMiddleware",
]

ROOT_URLCONF = "cellrelay.urls"
WSGI_APPLICATION = "cellrelay.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cellrelay" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cellrelay.organisation.context_processors.access",
            ],
        },
    },
]

# SQLite (WAL, writers serialised with BEGIN IMMEDIATE) unless DATABASE_URL names another database.
# The options hold however SQLite is named (SQLITE_PATH or DATABASE_URL=sqlite:///…): without them concurrent
# writers fail at once with "database is locked" instead of queueing.
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "cellrelay.sqlite3"))
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Options written in the URL's query string (?timeout=60) win over ours.
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No parallel workers for the web's queries: each is a short read under a LIMIT, and launching workers cost more
    # than the work (300,000 episodes: the follow-up worklist's calls due took 13.6 ms, 7.8 of them starting two
    # workers; its page p95 67 ms, 43 without). Options in the URL's query string win over ours.
    DATABASES["default"]["OPTIONS"] = {"options": "-c max_parallel_workers_per_gather=0",
                                       **DATABASES["default"].get("OPTIONS", {})}
# PostgreSQL keeps the ORM's client-side binding and prepares nothing of the ORM's (``server_side_binding`` and
# ``prepare_threshold`` measured and set aside: the registry's completeness 40 times slower at 100,000 episodes with
# the plan kept after five runs, the worklists' queries slower with server-side binding alone). The journaled write
# path's few written-out statements are prepared, one by one (cellrelay/written_out.py, prepared_cursor).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisation.User"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Signing in. Axes first: it refuses a locked-out account or address before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# The second factor (TOTP, with recovery codes) after the password, for everyone who signs in with one. The demo and
# the test suite switch it off; production mode refuses to start without it.
CELLRELAY_SECOND_FACTOR = env_bool("CELLRELAY_SECOND_FACTOR", True)
if PRODUCTION and not CELLRELAY_SECOND_FACTOR:
    raise ImproperlyConfigured("CELLRELAY_SECOND_FACTOR cannot be off in production mode.")
OTP_TOTP_ISSUER = os.environ.get("CELLRELAY_TOTP_ISSUER", "cellrelay")
# Lockout: 5 failures for one username, or from one address, lock it for CELLRELAY_LOCKOUT_MINUTES (or until an
# administrator unlocks it on the staff page). Failures during a lockout do not extend it.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CELLRELAY_LOCKOUT_MINUTES", 15)))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cellrelay.organisation.lockout.locked_out_page"
AXES_CLIENT_IP_CALLABLE = "cellrelay.organisation.lockout.client_address"
AXES_ENABLE_ADMIN = False
# Behind a reverse proxy every request comes from the proxy: name the header it sets to the client's address
# (e.g. X-Real-IP), or the per-address lockout would lock everybody at once.
CELLRELAY_CLIENT_IP_HEADER = os.environ.get("CELLRELAY_CLIENT_IP_HEADER", "")
# A signed-in session left idle this long is signed out.
CELLRELAY_IDLE_MINUTES = int(os.environ.get("CELLRELAY_IDLE_MINUTES", 30))
# API tokens expire; the profile page renews them.
CELLRELAY_TOKEN_DAYS = int(os.environ.get("CELLRELAY_TOKEN_DAYS", 90))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "cellrelay" / "locale"]
FORMAT_MODULE_PATH = ["cellrelay.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# Uploaded documents (referral letters…) are served only through views that check access.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))

# Limits on what a request may carry. A body (a form, JSON, a shipper's CSV log, which the service takes up to
# 5 MB) is refused over CELLRELAY_MAX_BODY_MB with a 413; uploaded files do not count against it (Django streams
# them), a referral letter has its own limit and must be a PDF or an image (sniffed from its bytes).
CELLRELAY_MAX_BODY_MB = float(os.environ.get("CELLRELAY_MAX_BODY_MB", 8))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(CELLRELAY_MAX_BODY_MB * 1024 * 1024)
CELLRELAY_MAX_LETTER_MB = float(os.environ.get("CELLRELAY_MAX_LETTER_MB", 20))
# Every date typed or posted lies within these years (cellrelay/validation.py): a year 1 or 9999 is a typing
# error, and beyond them the date arithmetic of the schedule overflows.
CELLRELAY_DATE_MIN_YEAR = int(os.environ.get("CELLRELAY_DATE_MIN_YEAR", 1900))
CELLRELAY_DATE_MAX_YEAR = int(os.environ.get("CELLRELAY_DATE_MAX_YEAR", 2100))

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "cellrelay" / "static"]
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles"))

# Health data: short sessions, closed with the browser.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy, in demo and production mode alike: scripts, styles, images and connections from this
# server only, no inline script or style (they live in cellrelay/static/), no framing, forms posted here only. A
# page injected with markup by a flaw elsewhere still runs nothing. The API docs add data: images (api.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Background work (alert e-mails…) without a broker: `manage.py db_worker` runs the queue (DESIGN.md).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# FHIR bulk exports (registry room): where the NDJSON files are kept until the client cancels the export, and the
# base URL of this site's own identifier and code systems (IPPs, local codes): set it to a URL the hospital controls.
CELLRELAY_EXPORT_DIR = os.environ.get("CELLRELAY_EXPORT_DIR", str(BASE_DIR / "var" / "exports"))
CELLRELAY_FHIR_SYSTEM_BASE = os.environ.get("CELLRELAY_FHIR_SYSTEM_BASE", "https://cellrelay.example.org/fhir")

# E-mail for alerts: sent only when EMAIL_HOST and CELLRELAY_ALERT_EMAILS are set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cellrelay@localhost")
# Team → addresses joined by "+", teams by ",": CELLRELAY_ALERT_EMAILS="icu:rea@chu.example+dr@chu.example,neurology:neuro@chu.example"
CELLRELAY_ALERT_EMAILS = {
    team: [address for address in addresses.split("+") if address]
    for team, _sep, addresses in (item.partition(":") for item in env_list("CELLRELAY_ALERT_EMAILS"))
}

# Site settings of clinical rules marked unverified in the domain sources (grading.md).
CELLRELAY_CAPD_BELOW_AGE = int(os.environ.get("CELLRELAY_CAPD_BELOW_AGE", 12))
# CAR-HEMATOTOX point table (JSON, the shape of monitoring.grading.DEFAULT_HEMATOTOX_TABLE); unset: the default.
CELLRELAY_HEMATOTOX_TABLE = json.loads(os.environ["CELLRELAY_HEMATOTOX_TABLE"]) if os.environ.get(
    "CELLRELAY_HEMATOTOX_TABLE") else None
# followup.md, *unverified* (to verify against Rejeski et al., Blood 2023): the ICAHT table (JSON, the shape of
# followup.icaht.DEFAULT_ICAHT_TABLE); unset: the default, shown "to verify".
CELLRELAY_ICAHT_TABLE = json.loads(os.environ["CELLRELAY_ICAHT_TABLE"]) if os.environ.get(
    "CELLRELAY_ICAHT_TABLE") else None
# followup.md: the follow-up visits' windows in days either side (JSON, the keys of
# followup.timepoints.DEFAULT_WINDOWS: to_d28, to_m6, yearly); unset: ± 2, ± 14, ± 30 days.
CELLRELAY_FOLLOWUP_WINDOWS = json.loads(os.environ["CELLRELAY_FOLLOWUP_WINDOWS"]) if os.environ.get(
    "CELLRELAY_FOLLOWUP_WINDOWS") else None
# The research export's keyed pseudonyms (HMAC-SHA256). Unset: a key derived from SECRET_KEY (then changing
# SECRET_KEY changes every pseudonym). Either way the key is made per destination.
CELLRELAY_PSEUDONYM_KEY = env_secret("CELLRELAY_PSEUDONYM_KEY", "")
# The research export's optional date shift: each patient's dates move by the same stable ± N days (never 0).
CELLRELAY_RESEARCH_DATE_SHIFT_DAYS = int(os.environ.get("CELLRELAY_RESEARCH_DATE_SHIFT_DAYS", "30"))

# Signed checkpoints of the journal (DESIGN.md, "The journal"; README, "Running it in production"). The Ed25519 private
# key is a file on the application server, never in the database (`manage.py journal_keygen PATH`); unset: checkpoints
# are off (the demo). Every CELLRELAY_CHECKPOINT_EVERY entries (0: none), and at each `manage.py journal_checkpoint`, one is
# written to CELLRELAY_CHECKPOINT_DIR (one JSON file each) and/or as a syslog line (CELLRELAY_CHECKPOINT_SYSLOG=1 to
# CELLRELAY_CHECKPOINT_SYSLOG_ADDRESS: /dev/log, or host:port over UDP). The public key checks them
# (`verify_journal --checkpoints`): CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE, or derived from the private key.
CELLRELAY_CHECKPOINT_KEY_FILE = os.environ.get("CELLRELAY_CHECKPOINT_KEY_FILE", "")
CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE = os.environ.get("CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE", "")
CELLRELAY_CHECKPOINT_EVERY = int(os.environ.get("CELLRELAY_CHECKPOINT_EVERY", 100))
CELLRELAY_CHECKPOINT_DIR = os.environ.get("CELLRELAY_CHECKPOINT_DIR", "")
CELLRELAY_CHECKPOINT_SYSLOG = env_bool("CELLRELAY_CHECKPOINT_SYSLOG")
CELLRELAY_CHECKPOINT_SYSLOG_ADDRESS = os.environ.get("CELLRELAY_CHECKPOINT_SYSLOG_ADDRESS", "/dev/log")

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"client_errors_on_one_line": {"()": "cellrelay.logs.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line",
                             "filters": ["client_errors_on_one_line"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own console handler (DEBUG only) printed every request error a second time, traceback included.
    "loggers": {"django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}},
}
