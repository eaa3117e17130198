"""Needs: validation, publication snapshot, expiry; banks' promises: reminders and overdue marks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError

from xinyidai.financing import services
from xinyidai.financing.models import Application, FinancingNeed
from xinyidai.notifications.models import Notification

from .conftest import MONDAY, act, give_profile, need_values

TZ = MONDAY.tzinfo


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": Decimal("0")}, "amount", "金额必须大于 0。"),
        ({"amount": Decimal("-5000")}, "amount", "金额必须大于 0。"),
        ({"amount": "五十万"}, "amount", "请输入金额（元），如 500000。"),
        ({"amount": Decimal("100.005")}, "amount", "金额最多保留两位小数。"),
        ({"term_months": 0}, "term_months", "期限必须至少 1 个月。"),
        ({"max_rate": Decimal("0")}, "max_rate", "年利率必须大于 0。"),
        ({"max_rate": Decimal("40")}, "max_rate", "年利率不能超过 36%。"),
        ({"guarantees": []}, "guarantees", "请至少选择一种可接受的担保方式。"),
        ({"guarantees": ["gold"]}, "guarantees", "未知选项：gold"),
        ({"wanted_by": dt.date(2020, 1, 1)}, "wanted_by", "期望放款日期不能早于今天。"),
        ({"purpose": ""}, "purpose", "请选择资金用途。"),
    ],
)
def test_it_refuses_a_bad_need_and_writes_nothing(personas, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        services.need_create(
            enterprise=personas.enterprise_a,
            actor=personas.alice,
            publish=True,
            **need_values(**overrides),
        )
    assert caught.value.message_dict[field] == [message]
    assert FinancingNeed.objects.count() == 0


def test_publishing_copies_the_facts_banks_match_on(personas):
    give_profile(personas.enterprise_a, "C", flags={"abnormal_operation": True})
    need = services.need_create(
        enterprise=personas.enterprise_a, actor=personas.alice, **need_values()
    )
    assert need.status == FinancingNeed.Status.DRAFT
    assert need.grade == ""
    need = services.need_publish(need=need, actor=personas.alice)
    assert need.status == FinancingNeed.Status.PUBLISHED
    assert (need.region_code, need.industry_section, need.size_class, need.grade) == (
        "441202",
        "C",
        "small",
        "C",
    )
    assert need.list_flag_mask == 4
    assert need.first_loan is True
    with pytest.raises(ValidationError, match="已发布"):
        services.need_publish(need=need, actor=personas.alice)
    with pytest.raises(ValidationError, match="只有草稿状态的需求可以修改"):
        services.need_update(need=need, actor=personas.alice, **need_values())


def test_a_new_profile_refreshes_the_open_needs(personas, need):
    assert need.grade == "B"
    give_profile(personas.enterprise_a, "D")
    assert services.needs_refresh_facts(enterprise_ids=[personas.enterprise_a.pk]) == 1
    need.refresh_from_db()
    assert need.grade == "D"


def test_a_profile_rebuild_reaches_the_needs(personas, need):
    """The risk module's write path signals the change; no caller has to remember."""
    from xinyidai.profiles.models import LendingProfile
    from xinyidai.profiles.services import _profiles_write

    draft = LendingProfile(
        enterprise=personas.enterprise_a,
        as_of=dt.date(2026, 11, 1),
        trigger=LendingProfile.Trigger.DATA,
        feature_set_version="test",
        grade="E",
        flags={"serious_dishonesty": True},
        content_sha256="1" * 64,
    )
    assert _profiles_write({personas.enterprise_a.pk: draft}) == 1
    need.refresh_from_db()
    assert (need.grade, need.list_flag_mask) == ("E", 2)


def test_needs_past_their_date_expire(personas, need):
    later = need.wanted_by + dt.timedelta(days=1)
    assert services.needs_expire(today=need.wanted_by) == 0
    assert services.needs_expire(today=later) == 1
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.EXPIRED


def test_closing_a_need_declines_pending_interest(personas, need, product):
    from xinyidai.accounts.models import Membership

    membership = Membership.objects.get(user=personas.officer)
    interest = services.interest_express(need=need, product=product, membership=membership)
    services.need_close(need=need, actor=personas.alice)
    interest.refresh_from_db()
    assert interest.status == "declined"


def test_accepting_interest_makes_a_submitted_application(personas, need, product):
    from xinyidai.accounts.models import Membership

    membership = Membership.objects.get(user=personas.officer)
    interest = services.interest_express(
        need=need, product=product, membership=membership, message="可三天放款"
    )
    alice_note = Notification.objects.get(recipient=personas.alice, kind="interest.new")
    assert alice_note.title == "一行 对您的融资需求表达了对接意向"
    answered = services.interest_answer(interest=interest, actor=personas.alice, accept=True)
    application = answered.application
    assert application.state == Application.State.SUBMITTED
    assert (application.amount, application.need, application.guarantee) == (
        Decimal("800000.00"),
        need,
        "credit",
    )
    need.refresh_from_db()
    assert need.status == FinancingNeed.Status.IN_TALKS
    with pytest.raises(ValidationError, match="该意向已处理"):
        services.interest_answer(interest=interest, actor=personas.alice, accept=False)


def test_interest_needs_an_own_published_fitting_product(personas, need, other_product):
    from xinyidai.accounts.models import Membership

    membership = Membership.objects.get(user=personas.officer)
    with pytest.raises(ValidationError) as caught:
        services.interest_express(need=need, product=other_product, membership=membership)
    assert caught.value.message_dict["product"] == ["只能用本行的产品表达对接意向。"]
    assert need.interests.count() == 0


def test_the_daily_job_reminds_once_and_marks_breaches(personas, submitted):
    # Submitted Monday 2 March 2026 (fixture time is now): accept due Tuesday, decide Thursday.
    Application.objects.filter(pk=submitted.pk).update(
        accept_due_on=dt.date(2026, 3, 3), decision_due_on=dt.date(2026, 3, 5)
    )
    officer_notes = Notification.objects.filter(recipient=personas.officer)
    before = officer_notes.count()  # the submission itself
    assert services.financing_daily(today=dt.date(2026, 3, 3)) == {
        "due_today": 1,
        "overdue": 0,
        "needs_expired": 0,
    }
    assert officer_notes.count() == before + 1
    assert officer_notes.first().title == "今天是承诺受理的最后一天：肇庆甲有限公司"
    assert services.financing_daily(today=dt.date(2026, 3, 3))["due_today"] == 0  # once only
    assert services.financing_daily(today=dt.date(2026, 3, 4))["overdue"] == 1
    assert officer_notes.first().title == "申请已超过承诺受理时限：肇庆甲有限公司"
    assert not Notification.objects.filter(recipient=personas.other_officer).exists()
    with time_machine.travel(dt.datetime(2026, 3, 6, 9, tzinfo=TZ), tick=False):
        accepted = act(submitted, "accept", personas.officer, personas.bank)
    assert accepted.accept_late is True
    assert services.financing_daily(today=dt.date(2026, 3, 6))["overdue"] == 1  # decision late


def test_the_daily_job_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["financing-daily"]
    assert entry["task"] == "financing.financing_daily"


def test_a_draft_is_checked_again_when_submitted(personas, product):
    give_profile(personas.enterprise_a, "B")
    draft = services.application_create(
        enterprise=personas.enterprise_a,
        product=product,
        actor=personas.alice,
        amount=Decimal("500000"),
        term_months=12,
        guarantee="credit",
        purpose="working_capital",
        submit=False,
    )
    assert draft.state == Application.State.DRAFT
    services.product_set_status(product=product, actor=personas.officer, status="withdrawn")
    with pytest.raises(ValidationError) as caught:
        act(draft, "submit", personas.alice, personas.enterprise_a.organization)
    assert caught.value.message_dict["product"] == ["该产品未上架，不能申请。"]
    services.product_set_status(product=product, actor=personas.officer, status="published")
    give_profile(personas.enterprise_a, "B", flags={"dishonest_debtor": True})
    product.excluded_flag_mask = 1
    product.save()
    with pytest.raises(ValidationError) as caught:
        act(draft, "submit", personas.alice, personas.enterprise_a.organization)
    assert caught.value.message_dict["product"] == [
        "不符合该产品的申请条件：被列入失信被执行人的企业不能申请该产品"
    ]
    draft.refresh_from_db()
    assert draft.state == Application.State.DRAFT


def test_an_expired_need_declines_its_pending_interest(personas, need, product):
    from xinyidai.accounts.models import Membership

    membership = Membership.objects.get(user=personas.officer)
    interest = services.interest_express(need=need, product=product, membership=membership)
    assert services.needs_expire(today=need.wanted_by + dt.timedelta(days=1)) == 1
    interest.refresh_from_db()
    assert interest.status == "declined"
    interest.status = "pending"
    interest.save()
    with pytest.raises(ValidationError, match="该需求已关闭或已过期"):
        services.interest_answer(interest=interest, actor=personas.alice, accept=True)
