"""Publishing and unpublishing a policy; who is told, and how often."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EnterpriseFactory
from tests.policies.conftest import registered_enterprise
from xinyidai.accounts.models import Membership
from xinyidai.notifications.models import Notification
from xinyidai.policies.models import PolicyNotice
from xinyidai.policies.selectors import policies_for_enterprise
from xinyidai.policies.services import policy_unpublish

pytestmark = pytest.mark.django_db


def _policy_notifications():
    return Notification.objects.filter(kind="policy.published")


def test_first_publication_notifies_members_of_matching_registered_enterprises(
    publish, django_capture_on_commit_callbacks, mailoutbox
):
    matching = registered_enterprise(region_code="441202")
    other_region = registered_enterprise(region_code="440304")
    EnterpriseFactory(region_code="441203")  # matching but not registered: nobody to tell

    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(page_id=7, title="肇庆市首贷贴息", region_codes=["4412"])

    rows = list(_policy_notifications().order_by("recipient_id"))
    members = Membership.objects.filter(organization=matching.organization)
    assert sorted(r.recipient_id for r in rows) == sorted(m.user_id for m in members)
    assert len(rows) == 2  # owner and staff
    assert {r.organization_id for r in rows} == {matching.organization_id}
    assert rows[0].title == "新的惠企政策：肇庆市首贷贴息"
    assert rows[0].url == notice.url == "/policies-portal/7/"
    assert (
        rows[0].body
        == "肇庆市人民政府办公室 肇府办〔2026〕12号\n对首次获得银行贷款的小微企业给予贴息。"
    )
    assert not Notification.objects.filter(organization=other_region.organization).exists()
    assert sorted(m.subject for m in mailoutbox) == ["[信易贷] 新的惠企政策：肇庆市首贷贴息"] * 2
    assert all(r.emailed_at is not None for r in _policy_notifications())


def test_inactive_members_are_not_notified(publish):
    enterprise = registered_enterprise()
    Membership.objects.filter(organization=enterprise.organization).update(is_active=False)

    publish()

    assert _policy_notifications().count() == 0


def test_republishing_an_edit_does_not_notify_again(publish):
    registered_enterprise()
    first = publish(page_id=9, title="旧标题")

    edited = publish(page_id=9, title="新标题", summary="修订后的摘要")

    assert _policy_notifications().count() == 2
    assert edited.pk == first.pk
    assert PolicyNotice.objects.get().title == "新标题"
    assert edited.first_published_at == first.first_published_at
    assert edited.published_at > first.published_at


def test_unpublish_then_republish_restores_the_policy_without_notifying_again(publish):
    enterprise = registered_enterprise()
    publish(page_id=11)

    unpublished = policy_unpublish(page_id=11)
    assert unpublished is not None
    assert unpublished.is_live is False
    assert _policy_notifications().count() == 2

    again = publish(page_id=11)

    assert again.is_live is True
    assert _policy_notifications().count() == 2
    assert policies_for_enterprise(enterprise) == [again]


def test_unpublishing_an_unknown_page_does_nothing(db):
    assert policy_unpublish(page_id=404) is None
    assert PolicyNotice.objects.count() == 0


def _publish_queries(publish, n, page_id):
    for _ in range(n):
        registered_enterprise(region_code="441202")
    with CaptureQueriesContext(connection) as captured:
        publish(page_id=page_id, region_codes=["4412"], industries=["C"], sizes=["small"])
    return len(captured.captured_queries)


def test_notification_costs_the_same_number_of_queries_for_3_or_30_enterprises(publish):
    few = _publish_queries(publish, 3, page_id=1)
    assert _policy_notifications().count() == 6

    many = _publish_queries(publish, 27, page_id=2)

    assert _policy_notifications().filter(url="/policies-portal/2/").count() == 60
    assert many == few
    # savepoint, lock/look up, unique check, insert, recipients, bulk insert, release
    assert few == 7


@pytest.mark.parametrize(
    ("field", "overrides", "message"),
    [
        (
            "region_codes",
            {"region_codes": ["4412", "4499"]},
            "适用地区“4499”无效：未知的地市级行政区划代码：4499",
        ),
        (
            "region_codes",
            {"region_codes": ["44120"]},
            "适用地区“44120”无效：辖区代码应为2位、4位或6位行政区划代码",
        ),
        ("industries", {"industries": ["C", "Z"]}, "未知的行业门类：Z（应为A–T中的字母）"),
        (
            "sizes",
            {"sizes": ["tiny"]},
            "未知的企业规模：tiny（可选：large、medium、small、micro）",
        ),
        ("scenarios", {"scenarios": ["lottery"]}, "未知的场景标签：lottery（可选："),
        ("title", {"title": "   "}, "此字段不能为空。"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    publish, field, overrides, message
):
    registered_enterprise()

    with pytest.raises(ValidationError) as caught:
        publish(**overrides)

    errors = caught.value.message_dict
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert PolicyNotice.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_bad_edit_leaves_the_published_entry_unchanged(publish):
    publish(page_id=5, title="原标题", industries=["C"])

    with pytest.raises(ValidationError):
        publish(page_id=5, title="改坏的", industries=["Q1"])

    notice = PolicyNotice.objects.get()
    assert (notice.title, notice.industry_labels) == ("原标题", ["C 制造业"])


def test_lowercase_industry_sections_are_accepted(publish):
    notice = publish(industries=["c", " i "])

    assert notice.industry_labels == ["C 制造业", "I 信息传输、软件和信息技术服务业"]
