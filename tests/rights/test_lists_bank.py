"""The red list's effect for banks: the needs and applications of red-listed enterprises come
first and carry the "绿色通道" mark, with one subquery for the whole page (no query per row);
the enterprise's own product matching is unchanged."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.financing.conftest import give_profile, make_product, need_values
from tests.integrations.conftest import make_key, signed
from xinyidai.core.models import OutboxEvent
from xinyidai.financing import services
from xinyidai.financing.flags import ListFlag
from xinyidai.financing.models import Application, FinancingNeed, LoanProduct
from xinyidai.rights.services_lists import list_end

from .fixtures_lists import Lists, lists_fixture  # noqa: F401 (the fixture)
from .fixtures_objections import signed_in

pytestmark = pytest.mark.django_db

NEEDS = reverse("financing:bank_need_list")
APPLICATIONS = reverse("financing:bank_application_list")


def _need(lists: Lists, enterprise, user, **overrides) -> FinancingNeed:
    give_profile(enterprise, "B")
    return services.need_create(
        enterprise=enterprise, actor=user, publish=True, **need_values(**overrides)
    )


def _apply(enterprise, user, product: LoanProduct) -> Application:
    give_profile(enterprise, "B")
    return services.application_create(
        enterprise=enterprise,
        product=product,
        actor=user,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
    )


def _order(text: str, marker: str) -> list[int]:
    return [int(chunk.split('"')[0]) for chunk in text.split(f'{marker}="')[1:]]


def test_the_key_attention_flag_is_appended_to_the_list_flags():
    assert ListFlag.values[-1] == "key_attention"
    assert ListFlag.values[:3] == ["dishonest_debtor", "serious_dishonesty", "abnormal_operation"]


def test_red_listed_needs_come_first_with_the_green_channel_mark(lists: Lists, client: Client):
    p = lists.world.p
    make_product(p.bank, p.officer)
    red = _need(lists, p.enterprise_b, p.bob)  # older, but red-listed
    plain = _need(lists, p.enterprise_a, p.alice)
    signed_in(client, p.officer)
    text = client.get(NEEDS).content.decode()
    assert _order(text, "data-need") == [red.pk, plain.pk]
    assert text.count('data-role="green-channel"') == 1
    assert text.index('data-role="green-channel"') < text.index(f'data-need="{red.pk}"')
    # Once the honour ends, the need is back in the plain order.
    list_end(
        user=lists.world.operator, entry=lists.entry_of(p.enterprise_b.uscc, "red"), reason="撤销"
    )
    text = client.get(NEEDS).content.decode()
    assert _order(text, "data-need") == [plain.pk, red.pk]
    assert 'data-role="green-channel"' not in text


def test_the_needs_cursor_pages_across_the_green_channel(lists: Lists, client: Client):
    p = lists.world.p
    make_product(p.bank, p.officer)
    plain = [_need(lists, p.enterprise_a, p.alice, amount=Decimal(200000 + i)) for i in range(2)]
    red = [_need(lists, p.enterprise_b, p.bob, amount=Decimal(100000 + i)) for i in range(21)]
    signed_in(client, p.officer)
    first = client.get(NEEDS).content.decode()
    assert _order(first, "data-need") == [n.pk for n in reversed(red)][:20]
    cursor = first.split("?before=")[1].split('"')[0]
    assert cursor.startswith("g.")
    second = client.get(f"{NEEDS}?before={cursor}").content.decode()
    assert _order(second, "data-need") == [red[0].pk, plain[1].pk, plain[0].pk]


def test_the_needs_page_costs_the_same_queries_for_more_rows(lists: Lists, client: Client):
    p = lists.world.p
    make_product(p.bank, p.officer)
    _need(lists, p.enterprise_a, p.alice)
    _need(lists, p.enterprise_b, p.bob)
    signed_in(client, p.officer)
    client.get(NEEDS)
    with CaptureQueriesContext(connection) as few:
        client.get(NEEDS)
    for i in range(4):
        _need(lists, p.enterprise_a, p.alice, amount=Decimal(300000 + i))
        _need(lists, p.enterprise_b, p.bob, amount=Decimal(400000 + i))
    with CaptureQueriesContext(connection) as many:
        text = client.get(NEEDS).content.decode()
    assert text.count('data-role="green-channel"') == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_red_listed_applications_come_first_with_the_green_channel_mark(
    lists: Lists, client: Client
):
    p = lists.world.p
    product = make_product(p.bank, p.officer)
    plain = _apply(p.enterprise_a, p.alice, product)
    red = _apply(p.enterprise_b, p.bob, product)
    signed_in(client, p.officer)
    client.get(APPLICATIONS)
    with CaptureQueriesContext(connection) as two:
        text = client.get(APPLICATIONS).content.decode()
    assert _order(text, "data-application") == [red.pk, plain.pk]
    assert text.count('data-role="green-channel"') == 1
    others = [make_product(p.bank, p.officer, name=f"产品{i}") for i in range(3)]
    more = [_apply(p.enterprise_a, p.alice, other) for other in others]
    with CaptureQueriesContext(connection) as five:
        text = client.get(APPLICATIONS).content.decode()
    assert _order(text, "data-application")[0] == red.pk
    assert set(_order(text, "data-application")) == {red.pk, plain.pk, *(a.pk for a in more)}
    assert len(five.captured_queries) == len(two.captured_queries)


def test_the_enterprises_product_matching_is_unchanged(lists: Lists, client: Client):
    p = lists.world.p
    make_product(p.bank, p.officer)
    need = _need(lists, p.enterprise_b, p.bob)
    text = (
        signed_in(client, p.bob)
        .get(reverse("financing:need_detail", args=[need.pk]))
        .content.decode()
    )
    assert "绿色通道" not in text


def test_the_bank_api_carries_the_green_channel_mark(lists: Lists, client: Client):
    p = lists.world.p
    product = make_product(p.bank, p.officer)
    red = _need(lists, p.enterprise_b, p.bob)
    plain = _need(lists, p.enterprise_a, p.alice)
    red_application = _apply(p.enterprise_b, p.bob, product)
    plain_application = _apply(p.enterprise_a, p.alice, product)
    key = make_key(p, ["needs:read", "applications:read"])

    needs = json.loads(signed(client, key, "/api/v1/bank/needs").content)["results"]
    assert {c["id"]: c["green_channel"] for c in needs} == {red.pk: True, plain.pk: False}
    listed = json.loads(signed(client, key, "/api/v1/bank/applications").content)["results"]
    assert {a["id"]: a["green_channel"] for a in listed} == {
        red_application.pk: True,
        plain_application.pk: False,
    }
    detail = json.loads(
        signed(client, key, f"/api/v1/bank/applications/{red_application.pk}").content
    )
    assert detail["green_channel"] is True


def test_the_need_matched_event_carries_the_mark(lists: Lists):
    p = lists.world.p
    make_product(p.bank, p.officer)
    red = _need(lists, p.enterprise_b, p.bob)
    plain = _need(lists, p.enterprise_a, p.alice)
    cards = {
        e.payload["need"]: e.payload["card"]["green_channel"]
        for e in OutboxEvent.objects.filter(kind="need.matched")
    }
    assert cards == {red.pk: True, plain.pk: False}
