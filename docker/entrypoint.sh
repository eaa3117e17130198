#!/bin/sh
# Entrypoint of the Xinyidai image. The first argument picks the role:
#   web     apply migrations, then serve with gunicorn on :8000
#   worker  Celery worker
#   beat    Celery beat (run exactly one per deployment)
#   other   run as given, e.g. `python manage.py createsuperuser`
# Arguments after web/worker/beat are passed on: `web --workers 5`, `worker --concurrency 4`.
set -eu

role="${1:-web}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$role" in
    web)
        python manage.py migrate --noinput
        exec gunicorn xinyidai.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers 3 \
            --timeout 60 \
            --worker-tmp-dir /dev/shm \
            --access-logfile - \
            "$@"
        ;;
    worker)
        exec celery -A xinyidai worker -l info "$@"
        ;;
    beat)
        # The schedule state file goes to /tmp: the image's code directories are read-only.
        exec celery -A xinyidai beat -l info --schedule /tmp/celerybeat-schedule "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
