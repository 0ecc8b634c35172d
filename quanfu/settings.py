"""Settings for the Quanfu risk register, read from the environment.

With no variables set it runs on an embedded default: a SQLite file in the project
folder, a local-memory cache and a Celery broker on the filesystem (no server).
DATABASE_URL=postgres://... and REDIS_URL=redis://... switch to PostgreSQL and Redis.
QUANFU_ENV=production (or DJANGO_DEBUG=0) refuses to start without a real SECRET_KEY
and ALLOWED_HOSTS.
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from quanfu.environment import (
    database_from_url,
    read_bool,
    read_int,
    read_list,
    read_str,
    replica_from_url,
)
from quanfu.periodic import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent
REPLICA_ALIAS = "replica"  # quanfu.db_router.REPLICA
VAR_DIR = Path(read_str("QUANFU_VAR_DIR") or BASE_DIR / "var")

PRODUCTION = read_str("QUANFU_ENV") == "production" or not read_bool("DJANGO_DEBUG", True)
DEBUG = not PRODUCTION

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = read_str("SECRET_KEY") or read_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = read_list("ALLOWED_HOSTS") or read_list("DJANGO_ALLOWED_HOSTS")
if PRODUCTION:
    if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Production needs SECRET_KEY: a random string of at least 50 characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "Production needs ALLOWED_HOSTS: the comma-separated host names this site serves."
        )
else:
    SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = read_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_otp",  # Authentication: the second factor (accounts.second_factor)
    "accounts.third_party_apps.TotpConfig",  # django_otp.plugins.otp_totp, named in Chinese
    "accounts.third_party_apps.AxesConfig",  # Authentication: django-axes, login throttling and
    # lock-out (accounts.lockout)
    "quanfu",
    "accounts",
    "grids",
    "risks",
    "ledgers",
    "meetings",
    "supervision",
    "audit",
    "inbox",
    "webhooks",
    "rhythm",
    "workbench",
    "guide",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "quanfu.security.SecurityHeadersMiddleware",  # Content-Security-Policy and friends
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "quanfu.db_router.ReplicaStickinessMiddleware",  # read-your-writes with a replica
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditContextMiddleware",  # Audit: who and from where (audit.context)
    "django_otp.middleware.OTPMiddleware",  # Authentication
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",  # Authentication
    "accounts.middleware.SecondFactorMiddleware",  # Authentication
    "accounts.idempotency.IdempotencyMiddleware",  # API POSTs with an Idempotency-Key
    "quanfu.refusals.RefusalMiddleware",  # a service's refusal no page caught: 403, 400, 409
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # Authentication: last, it turns lock-outs into pages
]

ROOT_URLCONF = "quanfu.urls"
WSGI_APPLICATION = "quanfu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "quanfu.context_processors.navigation",
                "guide.context_processors.guide_link",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL names PostgreSQL.
DATABASE_URL = read_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": read_str("SQLITE_PATH") or BASE_DIR / "db.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
# A streaming replica of the primary for the heavy reads (quanfu/db_router.py: dashboards,
# exports, statistics, the sync walk, the map). Unset: every read uses the primary.
# A person who wrote reads the primary for REPLICA_STICKY_SECONDS after; a replica that
# lags more than REPLICA_MAX_LAG_SECONDS (checked every REPLICA_CHECK_SECONDS) or does not
# answer is left aside until it catches up.
DATABASE_REPLICA_URL = read_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs DATABASE_URL: a replica streams from a PostgreSQL primary.")
    DATABASES[REPLICA_ALIAS] = replica_from_url(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["quanfu.db_router.ReplicaRouter"]
REPLICA_STICKY_SECONDS = read_int("REPLICA_STICKY_SECONDS", 5)
REPLICA_MAX_LAG_SECONDS = read_int("REPLICA_MAX_LAG_SECONDS", 10)
REPLICA_CHECK_SECONDS = float(read_str("REPLICA_CHECK_SECONDS", "2") or 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery broker: Redis when REDIS_URL is set, otherwise in-process and filesystem.
REDIS_URL = read_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": read_str("CACHE_KEY_PREFIX", "quanfu"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # A task taken by a worker that dies is handed out again after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": read_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # how often (seconds × every Nth sweep) a worker looks for such orphans
        "unacked_restore_interval": read_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": read_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# No result backend, so nothing for beat's own celery.backend_cleanup job to clean: it stays
# out of the schedule, which is then only quanfu/periodic.py's.
CELERY_RESULT_EXPIRES = None
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_TIMEOUT = read_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
# Big jobs commit in batches (so a killed worker loses at most one batch) and may pause
# between batches to spare the database at peak hours.
RHYTHM_DAILY_BATCH = read_int("RHYTHM_DAILY_BATCH", 200)
RHYTHM_BATCH_PAUSE_SECONDS = float(read_str("RHYTHM_BATCH_PAUSE_SECONDS", "0") or 0)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = read_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Areas' boundaries (grids/boundaries.py): how far a community or grid may stray outside its
# parent, and how deep into a sibling, before an import refuses it; and the tolerance of
# the simplified copy that maps of many areas draw.
GRID_BOUNDARY_TOLERANCE_M = float(read_str("GRID_BOUNDARY_TOLERANCE_M", "5") or 5)
GRID_BOUNDARY_SIMPLIFY_M = float(read_str("GRID_BOUNDARY_SIMPLIFY_M", "10") or 10)

# Every periodic job is listed once, in quanfu/periodic.py: beat writes them into
# django-celery-beat's tables when it starts, as migrate does.
CELERY_BEAT_SCHEDULE = beat_schedule()

# Authentication ------------------------------------------------------------------------
# Passwords, login lock-out (django-axes), session expiry and the optional second factor
# (django-otp). The apps and middleware are listed above, each marked "Authentication".
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password
    "accounts.backends.AreaAwareModelBackend",  # ModelBackend, with the person's area
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": read_int("PASSWORD_MIN_LENGTH", 12)}},
    {"NAME": "accounts.password_rules.CharacterKindsValidator",
     "OPTIONS": {"required_kinds": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Five failed logins within the cool-off lock the username (from anywhere) and the client
# address (for any username) for the cool-off; a success clears that username's failures.
AXES_FAILURE_LIMIT = read_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=read_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lock-out do not push its end further: the time shown is kept.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "accounts.lockout.LoginAttemptHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful logins go to the audit log (accounts.signals)
AXES_VERBOSE = False
# Reverse proxies in front of the app that append the client to X-Forwarded-For; 0 means
# the client address is REMOTE_ADDR and X-Forwarded-For is ignored (it can be forged).
TRUSTED_PROXY_COUNT = read_int("TRUSTED_PROXY_COUNT", 0)
# A session ends after this much inactivity, and in any case this long after the login.
SESSION_IDLE_MINUTES = read_int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = read_int("SESSION_ABSOLUTE_HOURS", 12)
# Roles (codes of accounts.roles.Role, or "administrator" for staff and superusers) who
# must use a one-time code; anyone else with an enrolled device is asked for it too.
OTP_REQUIRED_ROLES = read_list("OTP_REQUIRED_ROLES")
OTP_TOTP_ISSUER = read_str("OTP_TOTP_ISSUER", "全福街道风险隐患平台")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# End of Authentication -----------------------------------------------------------------

# Audit log (audit/README.md): entries are kept at least 180 days (等保 2.0). The daily
# retention job removes older ones only when AUDIT_RETENTION_DAYS is set; unset keeps all.
AUDIT_RETENTION_DAYS = read_int("AUDIT_RETENTION_DAYS", 0) or None
if AUDIT_RETENTION_DAYS is not None and AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        "AUDIT_RETENTION_DAYS must be at least 180 (audit records are kept six months), "
        "or unset to keep every entry."
    )

# "deferred": audited writes insert their entries unsealed and the sealer (a beat task
# every 5 s, audit.chain.seal) chains them, so writers never wait for one another;
# "inline": each entry is chained as it is written, under the chain's lock (what SQLite
# always does). An entry unsealed longer than AUDIT_SEAL_ALARM_SECONDS is an alarm on the
# administration's home page.
AUDIT_SEALING = read_str("AUDIT_SEALING", "deferred")
if AUDIT_SEALING not in ("deferred", "inline"):
    raise ImproperlyConfigured("AUDIT_SEALING must be 'deferred' or 'inline'.")
AUDIT_SEAL_ALARM_SECONDS = read_int("AUDIT_SEAL_ALARM_SECONDS", 300)

# Finished ledger exports, and the marked copies of refused survey sheets, are kept this
# many days; then a daily job removes them (quanfu.media_files, ledgers.services).
LEDGER_FILES_KEEP_DAYS = read_int("LEDGER_FILES_KEEP_DAYS", 7)

# While the database restarts, requests are answered 503 with this Retry-After
# (quanfu/server_errors.py).
DATABASE_RETRY_AFTER_SECONDS = read_int("DATABASE_RETRY_AFTER_SECONDS", 5)

# bench/load.py only: mounts the raw-SQL baseline of the register's first page
# (risks/api/baseline.py) that the API's throughput is measured against. Never in production.
BENCH_BASELINE = read_bool("BENCH_BASELINE", False)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(read_str("STATIC_ROOT") or VAR_DIR / "staticfiles")
MEDIA_ROOT = Path(read_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "media/"
# Uploads (supervision evidence, survey sheets): each point checks its own size and type
# by content; quanfu.uploads stops reading a request whose files pass UPLOAD_MAX_BYTES.
# Small files stay in memory, larger ones go to a temporary file; stored files are not
# world-readable. Form fields (not files) are limited by Django's 2.5 MB default.
UPLOAD_MAX_BYTES = read_int("UPLOAD_MAX_BYTES", 12 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "quanfu.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Where `manage.py backup` writes its bundles (README: Backups).
BACKUP_DIR = Path(read_str("BACKUP_DIR") or VAR_DIR / "backups")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# In development static files come straight from the app folders; production serves
# the collected, hashed and compressed copies.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "quanfu.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["quanfu.api.filtering.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "quanfu.api.schema.AutoSchema",  # documents the error answers
    # JSON only (the API contract); people read the API at /api/docs/. DRF's browsable
    # pages carry inline styles that the Content-Security-Policy refuses.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["quanfu.api.parsers.StrictJSONParser"],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "quanfu.api.exceptions.exception_handler",
    # per token: API_RATE_PER_MINUTE below (accounts.throttling)
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.TokenRateThrottle"],
}
# Requests a minute one API token may send (0: no limit); beyond: 429 with Retry-After.
API_RATE_PER_MINUTE = read_int("API_RATE_PER_MINUTE", 600)
SPECTACULAR_SETTINGS = {
    "TITLE": "全福街道社会稳定风险隐患排查整治平台 API",
    "DESCRIPTION": "REST API v1 for the district platform, the city dispute platform "
    "and the grid workers' app. Every request sees only its user's scope.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "accounts.schema.document_idempotency_key"],
    # Swagger UI from our own static files: government networks reach no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, so that fields named alike (status, action, kind) in
    # different resources get distinct, stable enum names (and `check` stays silent).
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": f"{module}.{name}" for module, names in {
            "risks.choices": ["RiskStatus", "Action", "EventKind", "ApprovalKind",
                              "ApprovalState", "ClockStage"],
            "meetings.choices": ["MeetingStatus", "MeetingAction", "MeetingKind", "ItemKind",
                                 "ActionItemStatus", "ActionItemAction", "WhistleStatus"],
            "rhythm.choices": ["WarningStatus", "InstructionKind", "InstructionStatus"],
            "supervision.choices": ["InspectionKind", "FindingStatus", "FindingAction",
                                    "NoticeStatus", "ListingStatus", "ListingAction",
                                    "TaskStatus"],
            "ledgers.choices": ["ExportStatus"],
            "grids.choices": ["AreaKind"],
        }.items() for name in names
    },
}

SESSION_COOKIE_AGE = read_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
# Saved when changed; accounts.middleware moves the idle clock (and so saves) once a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "quanfu.error_pages.csrf_failure"  # in the site's layout, in Chinese
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = read_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = read_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

EMAIL_BACKEND = read_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
                         if not PRODUCTION else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = read_str("EMAIL_HOST", "localhost")
EMAIL_PORT = read_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = read_str("DEFAULT_FROM_EMAIL", "quanfu-register@localhost")
# Notices: a person gets at most this many immediate notices an hour on a channel (and in
# the inbox); the rest of the hour's come as one digest (issue 17).
NOTICES_IMMEDIATE_PER_HOUR = read_int("NOTICES_IMMEDIATE_PER_HOUR", 10)
# The chat-robot channel: attempts before a delivery is given up (retried after 30 s, 60 s,
# 120 s, … by default), the time allowed each POST, and plain-http webhooks (tests and
# development only: outside DEBUG a robot's URL must be https unless this is set).
CHAT_ROBOT_MAX_ATTEMPTS = read_int("CHAT_ROBOT_MAX_ATTEMPTS", 5)
CHAT_ROBOT_RETRY_SECONDS = read_int("CHAT_ROBOT_RETRY_SECONDS", 30)
CHAT_ROBOT_TIMEOUT_SECONDS = read_int("CHAT_ROBOT_TIMEOUT_SECONDS", 10)
CHAT_ROBOT_ALLOW_HTTP = read_bool("CHAT_ROBOT_ALLOW_HTTP", False)
# Webhooks to other systems (webhooks/, issue 21): each POST's time allowed, the first retry
# (then doubled, at most an hour apart) and how long a delivery is retried before it fails;
# hosts an administrator allows besides public https ones (plain http and private addresses
# are refused otherwise: no requests into the office network), and loopback for tests.
WEBHOOK_TIMEOUT_SECONDS = read_int("WEBHOOK_TIMEOUT_SECONDS", 5)
WEBHOOK_RETRY_SECONDS = read_int("WEBHOOK_RETRY_SECONDS", 30)
WEBHOOK_RETRY_HOURS = read_int("WEBHOOK_RETRY_HOURS", 24)
WEBHOOK_ALLOWED_HOSTS = read_list("WEBHOOK_ALLOWED_HOSTS")
WEBHOOK_ALLOW_LOOPBACK = read_bool("WEBHOOK_ALLOW_LOOPBACK", False)
# deliveries attempted per batch, and at once (threads) within a batch
WEBHOOK_BATCH_SIZE = read_int("WEBHOOK_BATCH_SIZE", 200)
WEBHOOK_CONCURRENCY = read_int("WEBHOOK_CONCURRENCY", 8)
# The address people open the site at (https://…), for the links of e-mails and chat
# messages; empty: the links stay relative.
SITE_URL = read_str("SITE_URL", "")

API_TOKEN_DEFAULT_DAYS = read_int("API_TOKEN_DEFAULT_DAYS", 365)
# A token a person's phone app gets with their password (auth/token/): shorter-lived, as a
# phone is easily lost; the person revokes it on their profile page.
API_DEVICE_TOKEN_DAYS = read_int("API_DEVICE_TOKEN_DAYS", 30)

# The register: matter codes are QF-<year>-<number>; a graded matter without a due date
# gets one this many days ahead; the sync walk leaves the last seconds for the next walk
# so that a transaction still committing is never skipped.
RISK_CODE_PREFIX = read_str("RISK_CODE_PREFIX", "QF")
RISK_DUE_DAYS = {"high": read_int("RISK_DUE_DAYS_HIGH", 7),
                 "medium": read_int("RISK_DUE_DAYS_MEDIUM", 15),
                 "low": read_int("RISK_DUE_DAYS_LOW", 30)}
SYNC_SETTLE_SECONDS = read_int("SYNC_SETTLE_SECONDS", 2)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": read_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
