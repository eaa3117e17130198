"""Ingestion through a real Celery worker, and from the command line."""

from __future__ import annotations

import time

import pytest
from celery.result import AsyncResult
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from tests.celery_worker import celery_worker
from tests.factories import make_uscc
from tests.sources.conftest import TAX_HEADER, USCC, tax_csv
from xinyidai import celery_app
from xinyidai.sources.models import RECORD_MODELS, Batch, Source
from xinyidai.sources.services import batch_create, progress_key
from xinyidai.sources.tasks import batch_ingest

TaxRecord = RECORD_MODELS["tax_monthly"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_ingests_a_batch_and_reports_progress(providers, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    rows = [f"{make_uscc(n)},2026-09,{n}.25,0,0,100,0" for n in range(60_000)]
    batch = batch_create(
        source=Source.objects.get(code="tax_monthly"),
        provider=providers.tax,
        file=ContentFile(tax_csv(rows, header=TAX_HEADER)),
        name="big.csv",
        channel=Batch.Channel.API,
        enqueue=False,
    )
    env = {
        "TEST_FILE_STORAGE": settings.STORAGES["default"]["BACKEND"],
        "MEDIA_ROOT": str(tmp_path),
    }
    with celery_worker(env) as queue:
        result = batch_ingest.apply_async(args=[batch.pk], queue=queue)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            batch.refresh_from_db()
            if batch.is_finished:
                break
            time.sleep(0.2)
        # The worker published its progress to the result backend and to the shared cache.
        progress = AsyncResult(result.id, app=celery_app)
        state, info = progress.state, progress.info
    assert (batch.status, batch.rows_new) == ("accepted", 60_000)
    assert TaxRecord.objects.count() == 60_000
    assert state == "PROGRESS"
    assert (info["batch"], info["rows"], info["phase"]) == (batch.pk, 60_000, "merging")
    assert cache.get(progress_key(batch.pk)) == {
        "phase": "merging",
        "fraction": 1.0,
        "rows": 60_000,
    }


@pytest.mark.django_db
def test_the_command_ingests_a_file_with_a_progress_bar(providers, tmp_path, capsys):
    path = tmp_path / "九月.csv"
    path.write_bytes(tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0", f"{USCC[1]},2026-09,2,0,0,1,0"]))
    call_command("ingest", str(path), "--source", "tax_monthly", "--provider", "肇庆市税务局")
    out, err = capsys.readouterr()
    batch = Batch.objects.get()
    assert f"批次 #{batch.pk}：已入库。已入库：新增2行，更正0行，未变化0行。" in out
    assert "100%" in err
    assert batch.channel == "cli"


@pytest.mark.django_db
def test_the_command_prints_the_errors_of_a_rejected_file(providers, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(tax_csv([f"{USCC[0]},2026-09,-1,0,0,1,0"]))
    with pytest.raises(CommandError, match="文件未入库"):
        call_command(
            "ingest",
            str(path),
            "--source",
            "tax_monthly",
            "--provider",
            "肇庆市税务局",
            "--no-progress",
        )
    out, _err = capsys.readouterr()
    assert "第2行 增值税实缴：-1 — 不能为负数" in out
    assert TaxRecord.objects.count() == 0


@pytest.mark.django_db
def test_the_command_explains_what_it_cannot_do(providers, tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(b"x")
    with pytest.raises(CommandError, match="没有数据源“nope”"):
        call_command("ingest", str(path), "--source", "nope")
    with pytest.raises(CommandError, match="请用 --provider 指定报送“纳税月度信息”的部门"):
        call_command("ingest", str(path), "--source", "tax_monthly")
    with pytest.raises(CommandError, match="没有可报送“水电气缴费信息”的部门“肇庆市税务局”"):
        call_command(
            "ingest", str(path), "--source", "utilities_monthly", "--provider", "肇庆市税务局"
        )
    with pytest.raises(CommandError, match="找不到文件"):
        call_command(
            "ingest",
            str(tmp_path / "missing.csv"),
            "--source",
            "tax_monthly",
            "--provider",
            "肇庆市税务局",
        )
