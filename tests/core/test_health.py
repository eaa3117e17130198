import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_broker_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["vendor"] == "postgresql"
    assert body["checks"]["broker"] == {
        **body["checks"]["broker"],
        "ok": True,
        "transport": "redis",
    }


def test_it_reports_a_stopped_broker_as_unhealthy(client, settings):
    # Nothing listens on this port: the broker is as good as stopped.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6390/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False
    assert (
        "6390" in body["checks"]["broker"]["error"]
        or "refused" in body["checks"]["broker"]["error"].lower()
    )
