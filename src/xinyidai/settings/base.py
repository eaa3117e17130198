"""Settings shared by every environment, read from environment variables."""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parents[3]
PACKAGE_DIR = Path(__file__).resolve().parents[1]

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Project apps first so their templates and translations win.
    "xinyidai.core",
    "xinyidai.accounts",
    "xinyidai.registry",
    "xinyidai.sources",
    "xinyidai.profiles",
    "xinyidai.financing",
    "xinyidai.notifications",
    "xinyidai.consent",
    "xinyidai.integrations",
    "xinyidai.webhooks",
    "xinyidai.oversight",
    "xinyidai.rights",
    "xinyidai.policies",
    "cms.home",
    "cms.portal",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    # Security
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "guardian",
    # API
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xinyidai.core.middleware.ChosenLanguageMiddleware",
    # Signed API calls of banks' systems: body limits and the call log (sees refusals too).
    "xinyidai.integrations.middleware.ApiClientMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "xinyidai.accounts.middleware.ActiveOrganizationMiddleware",
    "xinyidai.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes last: it turns lock-outs into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xinyidai.urls"
WSGI_APPLICATION = "xinyidai.wsgi.application"

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
                "django.template.context_processors.i18n",
                "xinyidai.accounts.context_processors.persona",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/xinyidai"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "xinyidai",
    }
}

# Celery: Redis is broker; results are not stored (tasks write their results in the database).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
# Long tasks (ingestion) publish their progress here; results themselves are not kept.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Retention: whole months older than each source's retention period, monthly at 03:00.
    "records-prune-expired": {
        "task": "sources.records_prune_expired",
        "schedule": crontab(minute="0", hour="3", day_of_month="1"),
    },
    # Stability of the active credit model against its training population, Mondays at 04:00.
    "model-monitor": {
        "task": "profiles.model_monitor",
        "schedule": crontab(minute="0", hour="4", day_of_week="1"),
    },
    # Response-time reminders and overdue marks for banks; expired needs closed. Working days
    # start at 09:00 Beijing time, so the job runs just before.
    # Grants past their end marked expired; banks reminded of downloads reaching their data life.
    "consent-daily": {
        "task": "consent.consent_daily",
        "schedule": crontab(minute="15", hour="1"),
    },
    "financing-daily": {
        "task": "financing.financing_daily",
        "schedule": crontab(minute="30", hour="8"),
    },
    # Objections (异议): providers reminded before the deadline, open ones past it marked overdue
    # and reported to the platform operators; just before the working day starts.
    "rights-daily": {
        "task": "rights.objections_daily",
        "schedule": crontab(minute="40", hour="8"),
    },
    # Credit repair, commitments and lists: eligibility notices, due dates, list expiry.
    "rights-repairs-daily": {
        "task": "rights.repairs_daily",
        "schedule": crontab(minute="45", hour="8"),
    },
    "rights-commitments-daily": {
        "task": "rights.commitments_daily",
        "schedule": crontab(minute="50", hour="8"),
    },
    "rights-lists-daily": {
        "task": "rights.lists_daily",
        "schedule": crontab(minute="5", hour="0"),
    },
    # Profiles that the calendar changes today (a designation starting or ending, a negative
    # record leaving at the end of its retention period), after the lists' expiry.
    "rights-effects-daily": {
        "task": "rights.effects_daily",
        "schedule": crontab(minute="15", hour="0"),
    },
    # The regulator's cube: years marked dirty by changes rebuilt every five minutes; daily at
    # 00:20 this year is re-counted (deadlines pass by themselves) and alerts are checked.
    "oversight-refresh": {
        "task": "oversight.refresh",
        "schedule": crontab(minute="*/5"),
    },
    "oversight-daily": {
        "task": "oversight.daily",
        "schedule": crontab(minute="20", hour="0"),
    },
    # Monitoring reports (月报/季报): daily at 06:00, after the night's refresh. Idempotent (one
    # scheduled report per regulator and period), so running every day catches missed days.
    "oversight-reports": {
        "task": "oversight.reports_schedule",
        "schedule": crontab(minute="0", hour="6"),
    },
    # Outbox events fanned out to webhook deliveries (also on commit; this catches the rest).
    "webhooks-dispatch": {
        "task": "webhooks.dispatch",
        "schedule": crontab(minute="*"),
    },
    # Pending deliveries overdue by more than the grace period (lost messages) re-enqueued.
    "webhooks-sweep": {
        "task": "webhooks.sweep",
        "schedule": crontab(minute="*"),
    },
    # Delivered deliveries, dead letters and fanned-out events past their retention deleted.
    "webhooks-prune": {
        "task": "webhooks.prune",
        "schedule": crontab(minute="30", hour="3"),
    },
    # Idempotency keys of API clients older than IDEMPOTENCY_TTL_HOURS deleted, daily at 02:40.
    "idempotent-requests-prune": {
        "task": "integrations.idempotent_requests_prune",
        "schedule": crontab(minute="40", hour="2"),
    },
}

# Webhooks: attempts per delivery (then dead-letter), retry delay base * 2 ** (attempt - 1).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_BACKOFF_SECONDS = env.int("WEBHOOK_BACKOFF_SECONDS", default=30)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Plain http is accepted only for localhost, and only when this is on (DEBUG by default).
WEBHOOK_ALLOW_HTTP_LOCALHOST = env.bool("WEBHOOK_ALLOW_HTTP_LOCALHOST", default=DEBUG)
# The sweeper re-enqueues a pending delivery once its next attempt is this late.
WEBHOOK_SWEEP_GRACE_SECONDS = env.int("WEBHOOK_SWEEP_GRACE_SECONDS", default=300)
# Delivered deliveries, dead letters (counted from their last attempt) and dispatched outbox
# events are deleted after this many days.
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=90)

# Risk module
PROFILE_CHUNK_SIZE = env.int("PROFILE_CHUNK_SIZE", default=5000)  # enterprises per task
PROFILE_REASONS = 3
# Grades from the calibrated probability of default: (grade, upper bound); the last has none.
RISK_GRADE_BANDS: list[tuple[str, float | None]] = [
    ("A", 0.01),
    ("B", 0.03),
    ("C", 0.07),
    ("D", 0.15),
    ("E", None),
]
MODEL_MONITOR_PSI_ALERT = env.float("MODEL_MONITOR_PSI_ALERT", default=0.25)
MODEL_MONITOR_SAMPLE = env.int("MODEL_MONITOR_SAMPLE", default=100_000)

# Identity and access
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workspace"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock the account (by user name) after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

# django-otp
OTP_TOTP_ISSUER = "信易贷 Xinyidai"

# django-guardian: direct foreign-key permission models are declared per app.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Encryption of personal identifiers at rest (Fernet keys, newest first).
FIELD_ENCRYPTION_KEYS: list[str] = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# Internationalisation: Chinese first, complete English translation.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@xinyidai.example")

# Wagtail
WAGTAIL_SITE_NAME = "信易贷"
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
SITE_URL = env.str("SITE_URL", default=WAGTAILADMIN_BASE_URL)  # links in notification e-mails
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "txt", "zip"]

# API
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON bodies only (signed requests are refused 415 otherwise); file uploads name their own.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Signed requests first: its authenticate_header answers 401 for them only (the session
    # keeps answering 403 to the unauthenticated).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xinyidai.integrations.authentication.HmacSignatureAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # HasApiScope concerns API clients only: a view must name its required_scopes for them.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "xinyidai.integrations.permissions.HasApiScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["xinyidai.integrations.throttling.ApiClientRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "xinyidai.core.api.exception_handler",
}
# Signed API of banks' systems: body limit, rate per API client, life of a rotated-out key.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_RATE = env.str("API_RATE", default="600/min")
API_KEY_OVERLAP_HOURS = env.int("API_KEY_OVERLAP_HOURS", default=24)
# Idempotency-Key of API clients: how long an answer is kept for repeats, and after how long a
# first request still marked as running is taken to have died (its key may then be used again).
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)
IDEMPOTENCY_IN_PROGRESS_SECONDS = env.int("IDEMPOTENCY_IN_PROGRESS_SECONDS", default=300)

SPECTACULAR_SETTINGS = {
    "TITLE": "信易贷 Xinyidai API",
    "DESCRIPTION": "Open API for banks and enterprises of the Xinyidai platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["xinyidai.core.schema.only_public_api"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Regulator oversight (docs/indicators.md): cells from fewer enterprises are suppressed; alerts
# when a bank's late-response share in a month exceeds the threshold (with at least
# LATE_MIN_DUE deadlines), or a region's disbursed amount falls month on month by more than
# FALL_THRESHOLD (from a previous month of at least FALL_MIN_FEN fen).
OVERSIGHT_MIN_ENTERPRISES = env.int("OVERSIGHT_MIN_ENTERPRISES", default=3)
OVERSIGHT_LATE_SHARE_THRESHOLD = env.float("OVERSIGHT_LATE_SHARE_THRESHOLD", default=0.2)
OVERSIGHT_LATE_MIN_DUE = env.int("OVERSIGHT_LATE_MIN_DUE", default=5)
OVERSIGHT_FALL_THRESHOLD = env.float("OVERSIGHT_FALL_THRESHOLD", default=0.3)
OVERSIGHT_FALL_MIN_FEN = env.int("OVERSIGHT_FALL_MIN_FEN", default=100_000_000)

# Objections (异议) of credit subjects (docs/credit-rights.md). The deadline follows the 20 days
# that the 征信业管理条例 gives for checking and answering an objection; the platform counts them
# here as working days of China's calendar (core.workdays, with 调休 make-up days).
OBJECTION_DEADLINE_WORKING_DAYS = env.int("OBJECTION_DEADLINE_WORKING_DAYS", default=20)
# Working days before the deadline on which the provider is reminded (each once).
OBJECTION_REMIND_BEFORE: tuple[int, ...] = tuple(
    env.list("OBJECTION_REMIND_BEFORE", cast=int, default=[5, 1])
)
OBJECTION_EVIDENCE_MAX_BYTES = env.int("OBJECTION_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# File types accepted as evidence (by extension; the content must match, see rights.evidence).
OBJECTION_EVIDENCE_TYPES: list[str] = env.list(
    "OBJECTION_EVIDENCE_TYPES", default=["pdf", "jpg", "jpeg", "png"]
)

# Seeders of the demo data that the platform cannot import itself (the portal's pages live in the
# CMS, which the platform never imports); run by core.demo.seed_demo after the platform's seed.
DEMO_EXTRA_SEEDERS: list[str] = ["cms.portal.demo.seed_portal"]

# Credit repair (信用修复): working days from filing to the decision (the issuing department's
# opinion included). The rules per penalty severity are data (rights.RepairRule).
REPAIR_DECISION_WORKING_DAYS = env.int("REPAIR_DECISION_WORKING_DAYS", default=10)
# Credit lists: working days to decide an exit application, and how long a designation lasts
# when the designation names no end (months, per list).
LIST_EXIT_DECISION_WORKING_DAYS = env.int("LIST_EXIT_DECISION_WORKING_DAYS", default=15)
LIST_DEFAULT_VALIDITY_MONTHS: dict[str, int] = {
    "red": env.int("LIST_RED_VALIDITY_MONTHS", default=36),
    "serious_dishonesty": env.int("LIST_SERIOUS_DISHONESTY_VALIDITY_MONTHS", default=36),
    "key_attention": env.int("LIST_KEY_ATTENTION_VALIDITY_MONTHS", default=12),
}
# Lists published on the portal's public list page.
LISTS_PUBLIC_KINDS: list[str] = env.list(
    "LISTS_PUBLIC_KINDS", default=["red", "serious_dishonesty", "key_attention"]
)
# Retention of negative records (years after the event ended: a penalty's fulfilment or
# decision, a listing's removal, a commitment's breach): older ones leave scoring and display and
# stay in history. 5 years as the 征信业管理条例 keeps adverse information.
NEGATIVE_RECORD_RETENTION_YEARS: dict[str, int] = {
    "admin_penalty": env.int("RETENTION_ADMIN_PENALTY_YEARS", default=5),
    "dishonest_debtor": env.int("RETENTION_DISHONEST_DEBTOR_YEARS", default=5),
    "abnormal_operation": env.int("RETENTION_ABNORMAL_OPERATION_YEARS", default=5),
    "serious_dishonesty": env.int("RETENTION_SERIOUS_DISHONESTY_YEARS", default=5),
    "commitment_breach": env.int("RETENTION_COMMITMENT_BREACH_YEARS", default=5),
}
