"""The one-command demo: embedded SQLite, tasks run eagerly, console e-mail, no Redis needed."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="demo-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two writers at once are usual in the demo: an eager webhook delivery writes its attempt
    # while the sandbox bank's API call, prompted by that webhook, writes on another runserver
    # thread. SQLite's default deferred transactions turn that into "database is locked" (a
    # reader cannot become a writer while another writer waits); IMMEDIATE takes the write lock
    # at BEGIN, so the second writer waits its turn (up to ``timeout`` seconds) instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="cache+memory://")

# A fixed, public demo key: demo data is synthetic. Production must set its own keys.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=["ZGVtby1vbmx5LWtleS1mb3IteGlueWlkYWktZGVtbyE="]
)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The demo's sandbox bank (``make demo`` starts ``python -m bank_connectors.sandbox`` next to
# runserver) receives webhooks on http://127.0.0.1. Its API key is fixed and public by design,
# like the demo passwords (docs/sandbox-bank.md); ``seed_demo`` creates it only when these two
# are set, which only these demo settings do.
WEBHOOK_ALLOW_HTTP_LOCALHOST = env.bool("WEBHOOK_ALLOW_HTTP_LOCALHOST", default=True)
DEMO_SANDBOX_KEY_ID = env.str("DEMO_SANDBOX_KEY_ID", default="bk_demo_sandbox")
DEMO_SANDBOX_SECRET = env.str("DEMO_SANDBOX_SECRET", default="demo-sandbox-secret-2026")
