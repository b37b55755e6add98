"""The one settings module. Every deployment difference comes from the environment.

Without any variable set it runs embedded: SQLite, a file-system Celery broker, e-mail written to
``var/mail/``. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import os
import secrets
import sys
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from common.storage import file_storages

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    # The embedded default keeps a random key on disk so sessions survive restarts without
    # anybody committing a key; production always passes SECRET_KEY.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "common",
    "identity",
    "accounts",
    "transfers",
    "payments",
    "payroll",
    "credits",
    "enterprise",
    "support",
    "cooperativa",
]

MIDDLEWARE = [
    # First: every answer, a redirect or an error page too, carries the request's id.
    "cooperativa.observability.RequestIdMiddleware",
    # Right after: a page read whose database connection died mid-request is answered again
    # once (cooperativa/read_retry.py), before any error page reaches the person.
    "cooperativa.read_retry.ReadRetryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Outside every view and later middleware, so its no-store is the last word on any response.
    "identity.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "identity.middleware.SessionLifetimeMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cooperativa.urls"
WSGI_APPLICATION = "cooperativa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cooperativa.context_processors.portal",
            ],
            "builtins": [
                "template_partials.templatetags.partials",
                "common.templatetags.formatting",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is tried before a request uses it: after a PostgreSQL restart the
        # first request reconnects instead of failing on a dead socket.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements run through common.database.prepared_cursor are prepared on a connection
    # after this many runs (Django's default cursor never prepares). "off" for a pooler in
    # transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
    _threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        None if _threshold == "off" else int(_threshold)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing with
    # "database is locked" halfway through a posting; timeout makes them wait for it.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME")}
ATOMIC_REQUESTS = False
# How long a read whose connection was lost waits before its one retry (cooperativa/read_retry.py).
READ_RETRY_WAIT = float(os.environ.get("READ_RETRY_WAIT", "0.5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "accounts:position"
LOGOUT_REDIRECT_URL = "identity:login"
# Argon2id first (identity/hashers.py says why); PBKDF2 stays to verify and upgrade older hashes.
PASSWORD_HASHERS = [
    "identity.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 8–15 characters with upper and lower case, a digit and one of $@#!%*?& (the manuals' rule).
    {"NAME": "identity.services.passwords.CompositionValidator"},
    {"NAME": "identity.services.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "identity.services.passwords.HistoryValidator", "OPTIONS": {"remember": 5}},
]

LANGUAGE_CODE = "es-ec"
LANGUAGES = [("es-ec", "Español (Ecuador)")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Guayaquil"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG and bool(os.environ.get("STATIC_ROOT")))
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Exports, payroll uploads, complaint attachments: local folders under VAR_DIR, or with
    # STORAGE_BACKEND=s3 one S3-compatible bucket every host reads (common/storage.py).
    **file_storages(os.environ),
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
EXPORTS_DIR = VAR_DIR / "exports"

# Sessions live in the database everywhere: a Redis restart or hang must not sign anybody
# out (a cache-only store lost every session; a cache in front of the table could serve a
# signed-out session again once a hung Redis came back with its old copy).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Redis, when given, is the broker and the cache; both wait at most this long for it.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
#: the longest a task may run; Redis hands an unacknowledged task to another worker after
#: CELERY_BROKER_TRANSPORT_OPTIONS' visibility_timeout, kept above it
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "900"))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
if REDIS_URL:
    CACHES = {
        "default": {
            # Reads miss and writes are dropped while Redis is away; counters refuse (see it).
            "BACKEND": "common.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_TASK_TIME_LIMIT + 60,
        "socket_connect_timeout": REDIS_TIMEOUT,
        # A hung Redis accepts connections and never answers: a publish from a request gives
        # up after one try of this long (tests/faults/test_redis.py: every answer within a
        # second). A worker's BRPOP waits in its event loop, where no socket timeout applies,
        # and its consumer reconnects with its own retries (broker_connection_max_retries).
        "socket_timeout": REDIS_TIMEOUT,
        "max_retries": 0,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_QUEUE_DIR = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A worker process killed mid-task gives its message back at once (not after the visibility
# timeout): every task is safe to run again (rows drive the money, see docs/ARCHITECTURE.md).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Publishing from a request never waits long for the broker: one try, a short timeout
# (common.background.enqueue then leaves the work to the sweeps that find it in the database).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT * 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# E-mail: an SMTP server when EMAIL_HOST is given, otherwise files a person or a test can read.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Cooprogreso en Línea <no-responder@cooprogreso.local>"
)

# Transport security: on by default whenever DEBUG is off; HTTPS=0 turns it off for a local
# run over plain HTTP. Test runs (pytest imported, never in a server) default to off: the
# test client speaks HTTP.
TESTING = "pytest" in sys.modules
HTTPS = env_bool("HTTPS", not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# How many reverse proxies of ours stand in front (each appends to X-Forwarded-For); the
# client's address is the one the outermost of them saw. 0: REMOTE_ADDR is the client.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "1" if env_bool("BEHIND_PROXY") else "0"))
# Probes reach the web over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# One JSON object per line with the request and user ids (cooperativa.observability), except
# in development and tests, where a line of text reads better.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG or TESTING else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "cooperativa.observability.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "cooperativa.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
# Workers log through the same configuration (JSON, ids) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Portal rules the back office may tune (kept here until they move to admin-edited tables).
COOPERATIVE = {
    "name": "Cooprogreso",
    "legal_name": "Cooperativa de Ahorro y Crédito Cooprogreso Ltda.",
    "phone": "0958678700",
    "email": "servicio@cooprogreso.local",
    "address": "Av. Amazonas N34-451, Quito",
    "complaints_url": "https://cooprogreso.local/reclamos",
}
# Complaints one member may file per hour: far above a real need, low enough that the form
# cannot be scripted into a flood of filings and acknowledgement e-mails.
SUPPORT_COMPLAINTS_PER_HOUR = 5
MOVEMENTS_PAGE_SIZE = 20
MOVEMENTS_MAX_MONTHS = 12
# Above this many rows a statement or download is built by a Celery task with a progress bar.
EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EXPORT_SYNC_MAX_ROWS", "1500"))
# PDFs are rendered in a child process that is replaced after PDF_MAX_TASKS_PER_CHILD documents
# (WeasyPrint keeps ~0.2 MB per document in the process that renders it: common/pdf.py);
# PDF_RENDER_PROCESSES=0 renders in the process itself. Statements longer than PDF_CHUNK_ROWS
# rows are rendered in parts and joined, so their memory stays bounded.
PDF_RENDER_PROCESSES = int(os.environ.get("PDF_RENDER_PROCESSES", "1"))
PDF_MAX_TASKS_PER_CHILD = int(os.environ.get("PDF_MAX_TASKS_PER_CHILD", "100"))
PDF_RENDER_TIMEOUT = float(os.environ.get("PDF_RENDER_TIMEOUT", "45"))
PDF_START_METHOD = os.environ.get("PDF_START_METHOD", "spawn")
PDF_CHUNK_ROWS = int(os.environ.get("PDF_CHUNK_ROWS", "500"))
TERM_DEPOSIT_DAY_BASIS = 360
LEDGER_RETRIES = 5
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "identity.backends.PortalBackend"]

# Three consecutive wrong passwords lock the user: counted per username (so spreading attempts
# over many addresses does not help) and per username + address; a success resets the count.
AXES_FAILURE_LIMIT = 3
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "identity/locked.html"
# The same address everywhere (lockouts, audit, devices): see TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "identity.services.audit.client_ip"
# Forms refuse long usernames; this keeps any other path within the lockout's 255 characters.
AXES_USERNAME_CALLABLE = "identity.services.lockout.lockout_username"
# The rendered position is cached per member and version (see accounts.selectors); 0 disables.
# Each process keeps its own copy: the version in the key comes from the database, so a
# process-local cache is as correct as a shared one and spares a network round trip.
POSITION_CACHE_SECONDS = int(os.environ.get("POSITION_CACHE_SECONDS", "300"))
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
SMS_BACKEND = os.environ.get("SMS_BACKEND", "identity.services.sms.FileSmsBackend")
SMS_FILE_PATH = VAR_DIR / "sms"

# Sessions end after this much inactivity (a dialog warns a minute before) and, whatever the
# activity, after the absolute lifetime.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "300"))
SESSION_IDLE_WARNING_SECONDS = int(os.environ.get("SESSION_IDLE_WARNING_SECONDS", "60"))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
# Self-enrolment: when on, staff approve each request in the back office before the temporary
# credentials are e-mailed.
ENROLMENT_REQUIRES_APPROVAL = env_bool("ENROLMENT_REQUIRES_APPROVAL")
TEMPORARY_CREDENTIALS_HOURS = 48
# Flows anyone can start before signing in (identity/services/recovery_limits.py): requests an
# hour per client address and per identification, and recovery messages an hour that reach one
# person (strangers' requests and the person's own registered browser each have this many).
RECOVERY_REQUESTS_PER_IP = int(os.environ.get("RECOVERY_REQUESTS_PER_IP", "10"))
RECOVERY_REQUESTS_PER_IDENTIFICATION = int(
    os.environ.get("RECOVERY_REQUESTS_PER_IDENTIFICATION", "5")
)
RECOVERY_MAILS_PER_HOUR = 3
# Codes sent by e-mail or SMS to a signed-in person or one signing in (identity/services/otp.py):
# each costs a message (an SMS costs money) and allows a few guesses, so a login may ask for
# only so many an hour. Sign-in codes and operation codes (transfers, approvals, profile
# changes…) are two budgets: confirming many operations never keeps a member from signing in
# again, nor do repeated sign-ins block an operation. Codes shown by an authenticator app and
# passkeys send nothing and count against neither (django-otp slows down wrong app codes). The
# recovery and enrolment budgets above are apart from both.
OTP_SIGN_IN_CODES_PER_HOUR = int(os.environ.get("OTP_SIGN_IN_CODES_PER_HOUR", "5"))
OTP_OPERATION_CODES_PER_HOUR = int(os.environ.get("OTP_OPERATION_CODES_PER_HOUR", "10"))
# The browser's registered-device token.
DEVICE_COOKIE_NAME = "dispositivo"
DEVICE_COOKIE_AGE = 400 * 24 * 3600
OTP_TOTP_ISSUER = "Cooprogreso"
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = 10
# Passkeys: the relying party is the host the person sees unless fixed here (e.g. the apex
# domain when the portal and the app share passkeys).
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")

# Transfers (DOMAIN.md "Interbank transfers"): the sender pays the SPI fee plus VAT.
INTERBANK_FEE = Decimal("0.36")
VAT_RATE = Decimal("0.15")
INTERBANK_CUTOFF = "15:00"  # ordered later (or on a non-business day): next business day
# Origin and destination of funds become required above this much in this many days.
FUNDS_DECLARATION_THRESHOLD = Decimal(os.environ.get("FUNDS_DECLARATION_THRESHOLD", "1000"))
FUNDS_DECLARATION_DAYS = int(os.environ.get("FUNDS_DECLARATION_DAYS", "5"))
# Another member's name (masked) shown before a transfer, per user and hour ("Validar", the
# verify page, the code): names are personal data, not a directory to walk.
TRANSFER_HOLDER_LOOKUPS_PER_HOUR = int(os.environ.get("TRANSFER_HOLDER_LOOKUPS_PER_HOUR", "30"))
# A returned interbank transfer gives back the amount; the fee and VAT too when this is on.
INTERBANK_RETURN_REFUNDS_FEE = env_bool("INTERBANK_RETURN_REFUNDS_FEE", True)
# Which gateway reaches the central bank: the simulator unless a real one is configured.
SPI_GATEWAY = os.environ.get("SPI_GATEWAY", "transfers.services.gateway.SimulatedGateway")
# Service payments (issue 14): a biller that does not answer a payment within this many seconds
# leaves it PENDIENTE (never failed); the simulator's "slow" biller answers after
# PAYMENTS_SIMULATOR_SLOW. Unknown payments are asked again after BACKOFF_BASE · 2^n seconds
# (at most BACKOFF_MAX).
PAYMENTS_GATEWAY_TIMEOUT = float(os.environ.get("PAYMENTS_GATEWAY_TIMEOUT", "8"))
PAYMENTS_SIMULATOR_SLOW = float(os.environ.get("PAYMENTS_SIMULATOR_SLOW", "10"))
PAYMENTS_STATUS_BACKOFF_BASE = int(os.environ.get("PAYMENTS_STATUS_BACKOFF_BASE", "60"))
PAYMENTS_STATUS_BACKOFF_MAX = int(os.environ.get("PAYMENTS_STATUS_BACKOFF_MAX", "3600"))
# Enterprise orders waiting for signatures expire (and release their held funds) after this.
ENTERPRISE_ORDER_HOURS = int(os.environ.get("ENTERPRISE_ORDER_HOURS", "72"))
# The cooperative's maximums for company limits (daily, weekly, monthly) until the back office
# saves its own in "Cupos máximos para empresas".
ENTERPRISE_LIMIT_CEILING = tuple(
    Decimal(v)
    for v in os.environ.get("ENTERPRISE_LIMIT_CEILING", "200000,500000,1500000").split(",")
)
# A payee an ingresador saves waits for an authorizer's approval before it can be paid; once
# approved, for COOLING minutes it can receive at most COOLING_CAP per payment.
ENTERPRISE_BENEFICIARY_APPROVAL = os.environ.get("ENTERPRISE_BENEFICIARY_APPROVAL", "1") == "1"
BENEFICIARY_COOLING_MINUTES = int(os.environ.get("BENEFICIARY_COOLING_MINUTES", "30"))
BENEFICIARY_COOLING_CAP = Decimal(os.environ.get("BENEFICIARY_COOLING_CAP", "500"))
# Bulk payments (pago masivo): the limits of an uploaded sheet, stated on the upload page.
PAYROLL_MAX_ROWS = int(os.environ.get("PAYROLL_MAX_ROWS", "50000"))
PAYROLL_MAX_BYTES = 10 * 1024 * 1024
