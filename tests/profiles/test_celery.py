"""A full rebuild split into chunks and run by a real Celery worker, with its progress."""

from __future__ import annotations

import time

import pytest

from tests.celery_worker import celery_worker
from tests.profiles.conftest import CITY_SIZE, deliver_file, register
from xinyidai.accounts.services import data_provider_create
from xinyidai.profiles import services
from xinyidai.profiles.models import LendingProfile, ProfileRebuild


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_rebuilds_every_chunk_and_reports_progress(trained, city, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    model, features = trained
    services.scoring_model_register(trained=model, training_features=features)
    register(city.enterprises)
    tax = data_provider_create(name="测试税务局", kind="tax", region_code="441200").organization
    with services.rebuilds_deferred():
        deliver_file(tax, "tax_monthly", city.sources["tax_monthly"], tmp_path)
    env = {"PROFILE_CHUNK_SIZE": "8", "MEDIA_ROOT": str(tmp_path)}
    with celery_worker(env):
        rebuild = services.profiles_rebuild_start(
            scope=ProfileRebuild.Scope.ALL, trigger=LendingProfile.Trigger.FULL
        )
        seen = set()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            rebuild.refresh_from_db()
            seen.add(rebuild.chunks_done)
            if rebuild.status in {"done", "failed"}:
                break
            time.sleep(0.1)
    assert (rebuild.status, rebuild.chunks_total, rebuild.chunks_done) == ("done", 5, 5)
    assert (rebuild.enterprises_done, rebuild.versions_created) == (CITY_SIZE, CITY_SIZE)
    assert rebuild.fraction == 1.0
    assert rebuild.finished_at is not None
    assert LendingProfile.objects.filter(is_current=True, rebuild=rebuild).count() == CITY_SIZE
    assert len(seen) > 1  # progress was visible while chunks were being done
