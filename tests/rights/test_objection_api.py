"""The enterprise's objection API: list, file (JSON or multipart with evidence), read, withdraw;
each refusal with its code, nothing written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.conftest import login
from xinyidai.rights.models import Objection

from .conftest import PDF, PERIOD, World, file_objection, upload
from .fixtures_objections import counts, signed_in

pytestmark = pytest.mark.django_db

BASE = "/api/v1/enterprise/objections"
REASON = "1月增值税已足额缴纳，记录金额有误。"


def _post_json(client: Client, url: str, body: object) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def _filing(world: World, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {"source": "tax_monthly", "record_key": world.key_a, "reason": REASON}
    body.update(overrides)
    return body


def test_it_files_an_objection_as_json(world, client):
    login(client, world.p.alice)
    response = _post_json(client, BASE, _filing(world))
    assert response.status_code == 201, response.content
    body = response.json()
    objection = Objection.objects.get()
    assert body["id"] == objection.pk
    assert (body["state"], body["state_label"]) == ("submitted", "待处理")
    assert body["record_key"] == {"uscc": world.p.enterprise_a.uscc, "period": PERIOD}
    assert body["source"]["code"] == "tax_monthly"
    assert body["provider"] == {"id": world.tax.pk, "name": "肇庆市税务局"}
    assert body["due_on"] == "2026-03-19"
    assert [e["action"] for e in body["events"]] == ["file"]


def test_it_files_with_evidence_as_multipart(world, client):
    login(client, world.p.amy)
    response = client.post(
        BASE,
        {
            "source": "tax_monthly",
            "record_key.uscc": world.p.enterprise_a.uscc,
            "record_key.period": "2026-01-01",
            "reason": REASON,
            "evidence_files": [upload(PDF, "完税证明.pdf")],
        },
    )
    assert response.status_code == 201, response.content
    evidence = response.json()["evidence"]
    assert [(e["original_name"], e["content_type"]) for e in evidence] == [
        ("完税证明.pdf", "application/pdf")
    ]
    objection = Objection.objects.get()
    assert evidence[0]["url"] == f"/credit/objections/{objection.pk}/evidence/{evidence[0]['id']}/"


def test_bad_evidence_is_evidence_invalid_and_writes_nothing(world, client):
    login(client, world.p.alice)
    before = counts()
    response = client.post(
        BASE,
        {
            "source": "tax_monthly",
            "record_key.uscc": world.p.enterprise_a.uscc,
            "record_key.period": "2026-01-01",
            "reason": REASON,
            "evidence_files": [upload(b"MZ\x90\x00" + b"\x00" * 50, "a.pdf")],
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "evidence_invalid"
    assert body["details"]["evidence_files"] == [
        "文件“a.pdf”不是允许的文件类型（仅限 PDF、JPG、PNG）。"
    ]
    assert counts() == before


def test_another_enterprises_record_is_objection_record_not_found(world, client):
    login(client, world.p.alice)
    response = _post_json(client, BASE, _filing(world, record_key=world.key_b))
    assert response.status_code == 404
    assert response.json() == {
        "code": "objection_record_not_found",
        "message": "未找到贵企业在该数据源中的这条现行记录，无法提出异议。",
        "details": {},
    }
    assert Objection.objects.count() == 0


def test_a_second_objection_is_objection_already_open(world, client):
    file_objection(world)
    login(client, world.p.amy)
    before = counts()
    response = _post_json(client, BASE, _filing(world))
    assert response.status_code == 409
    assert response.json()["code"] == "objection_already_open"
    assert response.json()["message"] == "该记录已有异议正在处理中。"
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"source": "nope"}, "source"),
        ({"extra": 1}, "extra"),
        ({"reason": "x" * 1001}, "reason"),
    ],
)
def test_invalid_input_is_400_invalid(world, client, overrides, field):
    login(client, world.p.alice)
    response = _post_json(client, BASE, _filing(world, **overrides))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["details"]
    assert Objection.objects.count() == 0


def test_it_lists_and_reads_the_enterprises_own_objections(world, client):
    objection = file_objection(world)
    login(client, world.p.alice)
    listed = client.get(BASE).json()
    assert [o["id"] for o in listed["results"]] == [objection.pk]
    assert client.get(BASE, {"state": "withdrawn"}).json()["results"] == []
    detail = client.get(f"{BASE}/{objection.pk}")
    assert detail.status_code == 200
    assert detail.json()["reason"] == "1月增值税已足额缴纳，记录金额有误。"


def test_it_withdraws_and_a_second_time_is_transition_not_allowed(world, client):
    objection = file_objection(world)
    login(client, world.p.alice)
    response = _post_json(client, f"{BASE}/{objection.pk}/withdraw", {})
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    response = _post_json(client, f"{BASE}/{objection.pk}/withdraw", {})
    assert response.status_code == 409
    assert response.json() == {
        "code": "transition_not_allowed",
        "message": "异议当前状态为“已撤回”，不能撤回异议。",
        "details": {"state": "withdrawn"},
    }


@pytest.mark.parametrize("who", ["bob", "reviewer", "operator", "officer"])
def test_outsiders_get_404(world, client, who):
    objection = file_objection(world)
    user = getattr(world.p, who, None) or getattr(world, who)
    signed_in(client, user)
    assert client.get(f"{BASE}/{objection.pk}").status_code == 404
    response = _post_json(client, f"{BASE}/{objection.pk}/withdraw", {})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    objection.refresh_from_db()
    assert objection.state == Objection.State.SUBMITTED
    listed = client.get(BASE)
    assert listed.status_code == 404 or listed.json()["results"] == []


def test_anonymous_is_403_not_authenticated(world, client):
    response = client.get(BASE)
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"
