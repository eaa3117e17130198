"""The landing page tells each persona what financing work waits for them."""

from __future__ import annotations

import re

from tests.conftest import login


def _counts(page: str) -> dict[str, int]:
    return {
        label.strip(): int(number)
        for number, label in re.findall(r"<strong>(\d+)</strong>\s*([^<]+)</a>", page)
    }


def test_the_enterprise_sees_its_needs_interest_and_applications(client, personas, need, submitted):
    login(client, personas.alice)
    page = client.get("/workspace/").content.decode()
    assert _counts(page) == {
        "条需求在对接中": 1,
        "个银行意向待您回应": 0,
        "笔申请办理中": 1,
        "笔已批准待放款": 0,
        "笔贷款": 0,
    }
    for link in ("/financing/needs/", "/financing/products/", "/financing/applications/"):
        assert f'href="{link}"' in page


def test_the_bank_sees_what_it_owes_and_other_banks_see_nothing_of_it(client, personas, submitted):
    login(client, personas.officer, verify=True)
    page = client.get("/workspace/").content.decode()
    assert _counts(page) == {"笔待受理": 1, "笔审查中": 0, "笔已超过承诺时限": 0}
    assert 'href="/financing/bank/needs/"' in page
    client.logout()
    login(client, personas.other_officer, verify=True)
    page = client.get("/workspace/").content.decode()
    assert _counts(page) == {"笔待受理": 0, "笔审查中": 0, "笔已超过承诺时限": 0}


def test_the_unread_count_is_in_the_top_bar(client, personas, submitted):
    login(client, personas.officer, verify=True)
    page = client.get("/workspace/").content.decode()
    assert re.search(r'href="/notifications/">消息 <span class="badge"[^>]*>1</span>', page)
