"""The test suite: real PostgreSQL and Redis (DATABASE_URL, REDIS_URL), eager tasks by default."""

from .base import *  # noqa: F403
from .base import CACHES, env

SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DEBUG = False

CACHES["default"]["KEY_PREFIX"] = "xinyidai-test"  # Redis at REDIS_URL, as in base
# Eager unless a test starts real processes (a Celery worker, the web server under gunicorn) that
# must hand tasks to Redis: those set CELERY_TASK_ALWAYS_EAGER=0 in the processes' environment.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)

FIELD_ENCRYPTION_KEYS = [
    "dGVzdC1vbmx5LWtleS1mb3IteGlueWlkYWktdGVzdHM=",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    # A worker process in the Celery tests reads uploads from disk: they set this to
    # FileSystemStorage and MEDIA_ROOT to a temporary directory.
    "default": {
        "BACKEND": env.str("TEST_FILE_STORAGE", default="django.core.files.storage.InMemoryStorage")
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Benchmarks serve extra comparison views through their own URL module.
ROOT_URLCONF = env.str("ROOT_URLCONF", default="xinyidai.urls")
