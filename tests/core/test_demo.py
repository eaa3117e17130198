"""The demo seed delivers a whole synthetic city through the real ingestion path."""

import pytest

from xinyidai.core.demo import seed_demo
from xinyidai.sources.models import RECORD_MODELS, Batch, Source


@pytest.mark.django_db
def test_the_demo_city_arrives_through_ingestion_and_seeding_again_changes_nothing():
    first = seed_demo(enterprises=60)
    batches = Batch.objects.all()
    assert first["records_loaded"] > 3000
    assert sorted(batches.values_list("source_id", flat=True)) == sorted(
        Source.objects.values_list("code", flat=True)
    )
    assert set(batches.values_list("status", flat=True)) == {"accepted"}
    assert set(batches.values_list("file_format", flat=True)) == {"csv", "xlsx", "jsonl"}
    assert sum(model.objects.count() for model in RECORD_MODELS.values()) == first["records_loaded"]
    second = seed_demo(enterprises=60)
    assert (second["records_loaded"], second["enterprises_loaded"]) == (0, 0)
    assert Batch.objects.count() == 12
