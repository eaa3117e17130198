"""Delivery pages and API: who may deliver what, who may see which batch."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import login
from tests.sources.conftest import USCC, deliver, tax_csv
from xinyidai.sources.models import RECORD_MODELS, Batch, Source, SourceColumn

pytestmark = pytest.mark.django_db
TaxRecord = RECORD_MODELS["tax_monthly"]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_uploader_delivers_a_file_and_sees_the_result(
    client, providers, django_capture_on_commit_callbacks
):
    login(client, providers.taxi)
    page = client.get("/data/")
    assert "纳税月度信息" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/data/",
            {
                "source": "tax_monthly",
                "file": upload("9月.csv", tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0"])),
            },
        )
    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response.url == f"/data/batches/{batch.pk}/"
    detail = client.get(response.url).content.decode()
    assert "已入库：新增1行，更正0行，未变化0行。" in detail
    assert (batch.status, batch.channel, batch.uploaded_by) == ("accepted", "web", providers.taxi)
    progress = client.get(f"/data/batches/{batch.pk}/progress/").json()
    assert (progress["finished"], progress["fraction"], progress["rows"]) == (True, 1.0, 1)


def test_a_rejected_upload_offers_its_error_report(
    client, providers, django_capture_on_commit_callbacks
):
    login(client, providers.taxi)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/data/",
            {
                "source": "tax_monthly",
                "file": upload("9月.csv", tax_csv([f"{USCC[0]},2026-09,-1,0,0,1,0"])),
            },
        )
    batch = Batch.objects.get()
    detail = client.get(f"/data/batches/{batch.pk}/").content.decode()
    assert "不能为负数" in detail
    assert "下载完整错误报告" in detail
    report = client.get(f"/data/batches/{batch.pk}/errors.csv")
    assert report.status_code == 200
    assert b"".join(report.streaming_content).decode("utf-8-sig").splitlines()[1] == (
        '2,"增值税实缴","-1","不能为负数"'
    )


def test_a_tax_bureau_cannot_deliver_utilities_data(client, providers):
    login(client, providers.taxi)
    response = client.post(
        "/data/",
        {"source": "utilities_monthly", "file": upload("u.csv", b"uscc,period\n")},
    )
    assert response.status_code == 403
    assert "贵单位（税务部门）不能报送“水电气缴费信息”数据，该数据源由水电气公用事业单位报送。" in (
        response.content.decode()
    )
    assert Batch.objects.count() == 0


def test_the_api_refuses_a_source_of_another_kind_with_a_code(client, providers):
    login(client, providers.taxi)
    response = client.post(
        "/api/v1/batches/",
        {"source": "utilities_monthly", "file": upload("u.csv", b"uscc,period\n")},
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "source_not_allowed",
        "message": (
            "贵单位（税务部门）不能报送“水电气缴费信息”数据，该数据源由水电气公用事业单位报送。"
        ),
        "details": {},
    }


def test_the_api_accepts_a_delivery_and_reports_on_it(
    client, providers, django_capture_on_commit_callbacks
):
    login(client, providers.taxi)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/batches/",
            {
                "source": "tax_monthly",
                "file": upload("t.csv", tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0"])),
            },
        )
    assert response.status_code == 202
    assert response.json()["status"] == "received"
    batch_id = response.json()["id"]
    body = client.get(f"/api/v1/batches/{batch_id}/").json()
    assert (body["status"], body["rows_new"], body["source"], body["provider"]) == (
        "accepted",
        1,
        "tax_monthly",
        "肇庆市税务局",
    )
    assert TaxRecord.objects.count() == 1


def test_the_api_explains_an_unknown_source(client, providers):
    login(client, providers.taxi)
    response = client.post("/api/v1/batches/", {"source": "nope", "file": upload("t.csv", b"x")})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["details"] == {"source": ["没有代码为“nope”的数据源。"]}


def test_a_reviewer_may_look_but_not_upload(client, providers):
    login(client, providers.tax_reviewer)
    assert client.get("/data/").status_code == 200
    response = client.post(
        "/data/", {"source": "tax_monthly", "file": upload("t.csv", tax_csv([]))}
    )
    assert response.status_code == 403
    assert "只有数据报送员可以上传数据文件。" in response.content.decode()


def test_a_provider_cannot_see_another_providers_batches(client, providers):
    batch = deliver(providers.other_tax, tax_csv([f"{USCC[0]},2026-09,-1,0,0,1,0"]))
    login(client, providers.taxi)
    for url in (
        f"/data/batches/{batch.pk}/",
        f"/data/batches/{batch.pk}/progress/",
        f"/data/batches/{batch.pk}/errors.csv",
        f"/api/v1/batches/{batch.pk}/",
        f"/api/v1/batches/{batch.pk}/errors/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/batches/").json()["results"] == []
    assert f"#{batch.pk}" not in client.get("/data/").content.decode()


def test_outsiders_see_no_delivery_pages(client, providers, personas):
    batch = deliver(providers.tax, tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0"]))
    login(client, personas.alice)  # an enterprise owner
    assert client.get("/data/").status_code == 404
    assert client.get(f"/data/batches/{batch.pk}/").status_code == 404
    assert client.get("/data/quality/").status_code == 404
    assert client.get(f"/api/v1/batches/{batch.pk}/").status_code == 404


def test_the_operator_sees_every_batch(client, providers):
    mine = deliver(providers.tax, tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0"]))
    theirs = deliver(providers.other_tax, tax_csv([f"{USCC[1]},2026-09,1,0,0,1,0"]))
    login(client, providers.operator)
    page = client.get("/data/").content.decode()
    assert f"#{mine.pk}" in page
    assert f"#{theirs.pk}" in page
    ids = [b["id"] for b in client.get("/api/v1/batches/").json()["results"]]
    assert ids == [theirs.pk, mine.pk]


def test_the_batch_list_does_not_grow_queries_with_batches(
    client, providers, django_assert_max_num_queries
):
    for i in range(6):
        deliver(providers.tax, tax_csv([f"{USCC[i]},2026-09,1,0,0,1,0"]))
    login(client, providers.operator)
    with django_assert_max_num_queries(12):
        assert client.get("/data/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/batches/").status_code == 200


def test_the_catalogue_lists_every_source_with_its_columns(client, providers):
    login(client, providers.taxi)
    page = client.get("/data/sources/").content.decode()
    for source in Source.objects.all():
        assert source.name in page
    detail = client.get("/data/sources/tax_monthly/").content.decode()
    assert "欠税余额" in detail
    assert "uscc + period" in detail
    template = client.get("/data/sources/tax_monthly/template.csv")
    assert template.content.decode("utf-8-sig").strip() == (
        "统一社会信用代码,所属期,增值税实缴,企业所得税实缴,其他税费实缴,申报销售收入,欠税余额"
    )
    api = client.get("/api/v1/sources/").json()
    assert [s["code"] for s in api] == list(Source.objects.values_list("code", flat=True))


def test_the_operator_edits_a_source_and_files_follow(client, providers):
    login(client, providers.operator)
    source = Source.objects.get(code="tax_monthly")
    columns = list(source.columns.all())
    data = {
        "source-name": "纳税月度信息",
        "source-description": "按月报送",
        "source-provider_kind": "tax",
        "source-cadence": "monthly",
        "source-due_day": "20",
        "source-max_gap_days": "31",
        "source-retention_months": "60",
        "source-is_active": "on",
        "columns-TOTAL_FORMS": str(len(columns)),
        "columns-INITIAL_FORMS": str(len(columns)),
    }
    for i, column in enumerate(columns):
        data[f"columns-{i}-id"] = str(column.pk)
        data[f"columns-{i}-label"] = column.label
        data[f"columns-{i}-unit"] = column.unit
        data[f"columns-{i}-required"] = "on"
        data[f"columns-{i}-aliases_text"] = "纳税人识别号" if column.name == "uscc" else ""
        if column.min_value is not None:
            data[f"columns-{i}-min_value"] = str(column.min_value)
        if column.not_future:
            data[f"columns-{i}-not_future"] = "on"
    response = client.post("/data/sources/tax_monthly/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Source.objects.get(code="tax_monthly").due_day == 20
    assert SourceColumn.objects.get(source=source, name="uscc").aliases == ["纳税人识别号"]
    content = tax_csv(
        [f"{USCC[0]},2026-09,1,0,0,1,0"],
        header="纳税人识别号,所属期,增值税实缴,企业所得税实缴,其他税费实缴,申报销售收入,欠税余额",
    )
    assert deliver(providers.tax, content).status == "accepted"


def test_a_required_stored_column_cannot_be_made_optional(client, providers):
    column = SourceColumn.objects.get(source_id="tax_monthly", name="vat_paid")
    column.required = False
    with pytest.raises(Exception, match="必须为必填项"):
        column.full_clean()


def test_only_the_operator_edits_the_catalogue(client, providers):
    login(client, providers.taxi)
    assert client.get("/data/sources/tax_monthly/edit/").status_code == 404
    client.logout()
    login(client, providers.editor)
    assert client.get("/data/sources/tax_monthly/edit/").status_code == 403
    assert client.get("/data/quality/").status_code == 403


def test_staff_see_the_catalogue_and_batches_in_the_admin_read_only(client, providers):
    batch = deliver(providers.tax, tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0"]))
    providers.operator.is_staff = providers.operator.is_superuser = True
    providers.operator.save()
    login(client, providers.operator)
    assert client.get("/django-admin/sources/source/tax_monthly/change/").status_code == 200
    assert client.get("/django-admin/sources/batch/").status_code == 200
    assert client.get(f"/django-admin/sources/batch/{batch.pk}/change/").status_code == 200
    assert client.get("/django-admin/sources/batch/add/").status_code == 403
    assert client.get("/django-admin/sources/source/add/").status_code == 403


def test_the_workspace_shows_the_latest_batches_of_the_department(client, providers):
    mine = deliver(providers.tax, tax_csv([f"{USCC[0]},2026-09,1,0,0,1,0"]))
    theirs = deliver(providers.other_tax, tax_csv([f"{USCC[1]},2026-09,1,0,0,1,0"]))
    login(client, providers.taxi)
    page = client.get("/workspace/").content.decode()
    assert "最近报送批次" in page
    assert f"/data/batches/{mine.pk}/" in page
    assert f"/data/batches/{theirs.pk}/" not in page
