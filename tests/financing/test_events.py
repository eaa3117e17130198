"""Events for the banks' systems (the outbox the webhooks deliver): a published need goes to every
bank with a fitting product, once, as an anonymous card; an answered interest, a submitted or
withdrawn application go to the bank concerned. Each is written in the transaction of its change,
so nothing is recorded for a change that was refused or rolled back."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tests.conftest import Personas, login
from tests.factories import UserFactory
from xinyidai.accounts.models import Membership, Organization, Role
from xinyidai.accounts.services import bank_create, membership_grant
from xinyidai.core.models import OutboxEvent
from xinyidai.financing import services
from xinyidai.financing.models import FinancingNeed, Interest, LoanProduct

from .conftest import act, give_profile, make_product, need_values

CARD_KEYS = {
    "id",
    "green_channel",
    "amount",
    "amount_text",
    "term_months",
    "purpose",
    "guarantees",
    "scenarios",
    "max_rate",
    "wanted_by",
    "city",
    "industry",
    "size",
    "years",
    "grade_band",
    "first_loan",
    "published_at",
}


class Aborted(Exception):
    """The request failed after the change (the transaction rolls back)."""


def in_failed_transaction(change: Callable[[], None]) -> None:
    with transaction.atomic():
        change()
        raise Aborted


def _events(kind: str | None = None, organization: Organization | None = None) -> list[OutboxEvent]:
    events = OutboxEvent.objects.order_by("id")
    if kind is not None:
        events = events.filter(kind=kind)
    if organization is not None:
        events = events.filter(organization=organization)
    return list(events)


def _publish(personas: Personas, **overrides: Any) -> FinancingNeed:
    give_profile(personas.enterprise_a, "B")
    return services.need_create(
        enterprise=personas.enterprise_a,
        actor=personas.alice,
        publish=True,
        **need_values(**overrides),
    )


def _interest(personas: Personas, need: FinancingNeed, product: LoanProduct) -> Interest:
    membership = Membership.objects.get(user=personas.officer)
    return services.interest_express(need=need, product=product, membership=membership)


@pytest.fixture
def third_bank(personas: Personas) -> Organization:
    """A bank whose only product is too small for the need."""
    bank = bank_create(
        name="测试银行三", short_name="三行", licence_number="B0003", head_office_region="441202"
    )
    manager = UserFactory(username="third")
    membership_grant(user=manager, organization=bank.organization, role=Role.BANK_PRODUCT_MANAGER)
    make_product(bank.organization, manager, name="三行小额贷", amount_max=Decimal("500000"))
    return bank.organization


# --------------------------------------------------------------------------- need.matched


def test_a_published_need_goes_to_each_fitting_bank_once_with_its_products(
    personas, product, other_product, third_bank
):
    second = make_product(personas.bank, personas.officer, name="一行经营贷")
    make_product(personas.bank, personas.officer, name="一行草稿", publish=False)
    make_product(personas.bank, personas.officer, name="一行抵押贷", guarantees=["mortgage"])
    need = _publish(personas)
    events = _events("need.matched")
    assert [e.organization_id for e in events] == sorted([personas.bank.pk, personas.other_bank.pk])
    by_bank = {e.organization_id: e.payload for e in events}
    assert by_bank[personas.bank.pk]["products"] == sorted([product.pk, second.pk])
    assert by_bank[personas.other_bank.pk]["products"] == [other_product.pk]
    assert {p["need"] for p in by_bank.values()} == {need.pk}
    assert set(by_bank[personas.bank.pk]) == {"need", "products", "card"}
    assert not _events(organization=third_bank)


def test_the_card_is_the_one_the_banks_needs_list_answers(client: Client, personas, product):
    need = _publish(personas)
    (event,) = _events("need.matched")
    login(client, personas.officer, verify=True)
    listed = client.get("/api/v1/bank/needs").json()["results"]
    assert [card["id"] for card in listed] == [need.pk]
    assert event.payload["card"] == listed[0]
    assert set(event.payload["card"]) == CARD_KEYS
    assert event.payload["card"]["amount"] == "800000.00"
    assert event.payload["card"]["grade_band"] == "A–B"


def test_the_event_never_names_the_enterprise(personas, product):
    _publish(personas)
    (event,) = _events("need.matched")
    text = json.dumps(event.payload, ensure_ascii=False)
    enterprise = personas.enterprise_a
    for secret in (
        enterprise.name,
        enterprise.uscc,
        enterprise.legal_rep_name,
        "采购原材料，订单已签",  # the description
        enterprise.region_code,
        "端州区",  # the county
    ):
        assert secret not in text
    assert event.payload["card"]["city"] == "广东省 肇庆市"


def test_a_draft_or_a_need_no_product_fits_tells_nobody(personas, product):
    give_profile(personas.enterprise_a, "B")
    draft = services.need_create(
        enterprise=personas.enterprise_a, actor=personas.alice, **need_values()
    )
    assert not _events()
    _publish(personas, amount=Decimal("9000000"))  # above every product's maximum
    assert not _events("need.matched")
    services.need_publish(need=draft, actor=personas.alice)
    assert len(_events("need.matched")) == 1


def test_a_bank_is_told_again_only_when_the_terms_change(personas, product, other_product):
    strict = make_product(
        personas.other_bank, personas.other_officer, name="二行优选", worst_grade="A"
    )
    need = _publish(personas)
    assert len(_events("need.matched")) == 2
    assert services.need_matched_record(need=need) == []

    # The enterprise's grade improves: only the bank with a newly fitting product hears.
    FinancingNeed.objects.filter(pk=need.pk).update(grade="A")
    need.refresh_from_db()
    assert services.need_matched_record(need=need) == []  # bank 2 was told of these terms

    FinancingNeed.objects.filter(pk=need.pk).update(amount=Decimal("900000"))
    need.refresh_from_db()
    again = services.need_matched_record(need=need)
    assert sorted(e.organization_id for e in again) == sorted(
        [personas.bank.pk, personas.other_bank.pk]
    )
    latest = {e.organization_id: e.payload for e in again}
    assert latest[personas.other_bank.pk]["products"] == sorted([other_product.pk, strict.pk])
    assert latest[personas.bank.pk]["card"]["amount"] == "900000.00"
    assert len(_events("need.matched")) == 4


def test_a_new_bank_fitting_the_terms_is_told_once(personas, product):
    need = _publish(personas)
    assert [e.organization_id for e in _events("need.matched")] == [personas.bank.pk]
    other = make_product(personas.other_bank, personas.other_officer, name="二行快贷")
    (event,) = services.need_matched_record(need=need)
    assert (event.organization_id, event.payload["products"]) == (
        personas.other_bank.pk,
        [other.pk],
    )
    assert services.need_matched_record(need=need) == []


def test_a_rolled_back_publication_records_nothing(personas, product):
    give_profile(personas.enterprise_a, "B")
    need = services.need_create(
        enterprise=personas.enterprise_a, actor=personas.alice, **need_values()
    )

    def publish() -> None:
        services.need_publish(need=need, actor=personas.alice)
        assert len(_events("need.matched")) == 1

    with pytest.raises(Aborted):
        in_failed_transaction(publish)
    assert not _events()
    assert FinancingNeed.objects.get(pk=need.pk).status == FinancingNeed.Status.DRAFT


def test_the_matching_reads_a_bounded_number_of_queries(
    personas, product, django_assert_max_num_queries
):
    for i in range(12):
        make_product(
            personas.bank if i % 2 else personas.other_bank, personas.officer, name=f"产品{i}"
        )
    need = _publish(personas)
    OutboxEvent.objects.all().delete()
    with django_assert_max_num_queries(6):  # frame stamp, frame, told, banks, one insert a bank
        events = services.need_matched_record(need=need)
    assert len(events) == 2
    assert len(events[0].payload["products"]) + len(events[1].payload["products"]) == 13


# --------------------------------------------------------------------------- interests


def test_an_accepted_interest_tells_its_bank_with_the_application(personas, product, other_product):
    need = _publish(personas)
    interest = _interest(personas, need, product)
    before = OutboxEvent.objects.count()
    answered = services.interest_answer(interest=interest, actor=personas.alice, accept=True)
    accepted = _events("interest.accepted")
    assert [e.organization_id for e in accepted] == [personas.bank.pk]
    assert accepted[0].payload == {
        "interest": interest.pk,
        "need": need.pk,
        "product": product.pk,
        "application": answered.application_id,
    }
    submitted = _events("application.submitted")
    assert [e.payload["application"] for e in submitted] == [answered.application_id]
    assert OutboxEvent.objects.count() == before + 2
    assert not _events("interest.accepted", personas.other_bank)


def test_a_declined_interest_tells_its_bank_without_an_application(personas, product):
    need = _publish(personas)
    interest = _interest(personas, need, product)
    services.interest_answer(interest=interest, actor=personas.alice, accept=False)
    (declined,) = _events("interest.declined")
    assert declined.organization_id == personas.bank.pk
    assert declined.payload == {
        "interest": interest.pk,
        "need": need.pk,
        "product": product.pk,
        "application": None,
    }


def test_an_interest_answered_twice_records_nothing_more(personas, product):
    need = _publish(personas)
    interest = _interest(personas, need, product)
    services.interest_answer(interest=interest, actor=personas.alice, accept=False)
    before = OutboxEvent.objects.count()
    with pytest.raises(Exception, match="该意向已处理"):
        services.interest_answer(interest=interest, actor=personas.alice, accept=True)
    assert OutboxEvent.objects.count() == before


@pytest.mark.parametrize("how", ["close", "expire"])
def test_a_need_closed_or_expired_declines_its_pending_interests_to_their_banks(
    personas, product, how
):
    need = _publish(personas)
    interest = _interest(personas, need, product)
    if how == "close":
        services.need_close(need=need, actor=personas.alice)
    else:
        services.needs_expire(today=need.wanted_by.replace(year=need.wanted_by.year + 1))
    (declined,) = _events("interest.declined")
    assert declined.organization_id == personas.bank.pk
    assert declined.payload["interest"] == interest.pk
    interest.refresh_from_db()
    assert interest.status == Interest.Status.DECLINED


# --------------------------------------------------------------------------- applications


def test_a_submitted_application_reveals_the_enterprise_to_its_bank(personas, submitted):
    (event,) = _events("application.submitted")
    assert event.organization_id == personas.bank.pk
    assert event.payload == {
        "application": submitted.pk,
        "product": submitted.product_id,
        "enterprise": personas.enterprise_a.uscc,
        "enterprise_name": "肇庆甲有限公司",
        "amount": "500000.00",
        "term_months": 12,
    }
    assert not _events(organization=personas.other_bank)


def test_a_withdrawal_tells_the_bank_and_a_refused_one_records_nothing(personas, submitted):
    enterprise_org = personas.enterprise_a.organization
    act(submitted, "withdraw", personas.alice, enterprise_org)
    (event,) = _events("application.withdrawn")
    assert event.organization_id == personas.bank.pk
    assert event.payload == {
        "application": submitted.pk,
        "product": submitted.product_id,
        "enterprise": personas.enterprise_a.uscc,
    }
    before = OutboxEvent.objects.count()
    with pytest.raises(services.TransitionNotAllowed):
        act(submitted, "withdraw", personas.alice, enterprise_org)
    assert OutboxEvent.objects.count() == before


def test_a_draft_is_announced_when_submitted_and_withdrawn_silently(personas, product):
    give_profile(personas.enterprise_a, "B")
    values = {
        "enterprise": personas.enterprise_a,
        "product": product,
        "actor": personas.alice,
        "amount": Decimal("500000"),
        "term_months": 12,
        "guarantee": "credit",
        "purpose": "working_capital",
        "submit": False,
    }
    draft = services.application_create(**values)
    assert not _events()
    act(draft, "withdraw", personas.alice, personas.enterprise_a.organization)
    assert not _events()
    second = services.application_create(**values)
    act(second, "submit", personas.alice, personas.enterprise_a.organization)
    assert [e.payload["application"] for e in _events("application.submitted")] == [second.pk]


def test_bank_decisions_are_no_events(personas, submitted):
    before = OutboxEvent.objects.count()
    act(submitted, "accept", personas.officer, personas.bank)
    assert OutboxEvent.objects.count() == before


def test_a_rolled_back_application_records_nothing(personas, product):
    give_profile(personas.enterprise_a, "B")

    def apply() -> None:
        services.application_create(
            enterprise=personas.enterprise_a,
            product=product,
            actor=personas.alice,
            amount=Decimal("500000"),
            term_months=12,
            guarantee="credit",
            purpose="working_capital",
        )
        assert len(_events("application.submitted")) == 1

    with pytest.raises(Aborted):
        in_failed_transaction(apply)
    assert not _events()
