"""Online registration for events: capacity, deadline, duplicates and USCC checked; nothing
written on an error, each error next to its field (or above the form for the event's state)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.portal.models import EventRegistration
from tests.cms.conftest import add_event
from tests.conftest import login
from tests.factories import UserFactory, make_uscc

pytestmark = pytest.mark.django_db


def form(**overrides: Any) -> dict[str, str]:
    values = {
        "name": "李娜",
        "organization": "肇庆甲有限公司",
        "phone": "13800138000",
        "email": "lina@example.com",
        "uscc": "",
    }
    values.update(overrides)
    return values


@pytest.fixture
def event(event_index):
    return add_event(event_index, capacity=2)


def test_it_registers_a_person(client, event):
    response = client.post(event.url, form(uscc=make_uscc(5), email="LiNa@Example.com"))
    assert response.status_code == 302
    registration = EventRegistration.objects.get()
    assert (registration.event_id, registration.name, registration.email, registration.uscc) == (
        event.pk,
        "李娜",
        "lina@example.com",
        make_uscc(5),
    )
    page = client.get(response["Location"]).content.decode()
    assert "报名成功" in page
    assert "共 2 人，剩余 1 个" in page


def test_the_event_page_has_a_labelled_form(client, event):
    html = client.get(event.url).content.decode()
    for field in ("name", "organization", "phone", "email", "uscc"):
        assert f'<label for="id_{field}">' in html
    assert "在线报名" in html


def test_it_refuses_a_duplicate_email_for_the_same_event(client, event, event_index):
    client.post(event.url, form())
    response = client.post(event.url, form(name="另一人", email="LINA@example.com"))
    assert response.status_code == 400
    assert '<p class="error" id="id_email_error">该电子邮箱已报名本次活动，无需重复报名。</p>' in (
        response.content.decode()
    )
    assert EventRegistration.objects.count() == 1
    other = add_event(event_index, slug="briefing", title="政策宣讲会", kind="briefing")
    assert client.post(other.url, form()).status_code == 302  # another event: fine


def test_it_refuses_registrations_over_capacity(client, event):
    client.post(event.url, form(email="a@example.com"))
    client.post(event.url, form(email="b@example.com"))
    response = client.post(event.url, form(email="c@example.com"))
    assert response.status_code == 400
    assert "名额已满（共2人），感谢关注。" in response.content.decode()
    assert EventRegistration.objects.count() == 2
    assert "名额已满。可关注活动栏目中的其他场次。" in client.get(event.url).content.decode()


def test_it_refuses_registrations_after_the_deadline(client, event_index):
    starts = timezone.now() + dt.timedelta(days=5)
    event = add_event(
        event_index, starts_at=starts, registration_deadline=starts - dt.timedelta(days=1)
    )
    with time_machine.travel(starts - dt.timedelta(hours=12)):
        response = client.post(event.url, form())
        assert response.status_code == 400
        deadline = timezone.localtime(event.registration_deadline).strftime("%Y-%m-%d %H:%M")
        assert f"报名已于{deadline}截止。" in response.content.decode()
        assert "报名已截止" in client.get(event.url).content.decode()
    assert not EventRegistration.objects.exists()


def test_it_refuses_a_bad_uscc(client, event):
    good = make_uscc(5)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(event.url, form(uscc=bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_uscc_error">统一社会信用代码校验位错误：第18位应为' in html
    assert not EventRegistration.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "该字段是必填项。"),
        ("phone", "12345", "请填写11位手机号或带区号的固定电话（如 0758-2345678）。"),
        ("email", "not-an-email", "请输入合法的邮件地址。"),
    ],
)
def test_it_puts_each_error_next_to_its_field(client, event, field, value, message):
    response = client.post(event.url, form(**{field: value}))
    assert response.status_code == 400
    assert f'id="id_{field}_error">{message}</p>' in response.content.decode()
    assert not EventRegistration.objects.exists()


def test_it_accepts_a_landline(client, event):
    assert client.post(event.url, form(phone="0758-2345678")).status_code == 302
    assert EventRegistration.objects.get().phone == "0758-2345678"


def test_editors_see_the_registrations_in_the_admin(client, event, editor):
    client.post(event.url, form())
    client.force_login(editor)
    response = client.get("/cms/snippets/portal/eventregistration/")
    assert response.status_code == 200
    assert "lina@example.com" in response.content.decode()


def test_a_user_outside_the_cms_groups_does_not_see_them(client, event, personas):
    client.post(event.url, form())
    login(client, personas.alice)
    response = client.get("/cms/snippets/portal/eventregistration/")
    assert response.status_code in (302, 403)
    assert "lina@example.com" not in response.content.decode()


def test_a_staff_user_without_the_view_permission_is_refused(client, event):
    client.post(event.url, form())
    other = UserFactory(username="cms_other", is_staff=True)
    other.groups.add(Group.objects.get_or_create(name="Nobody")[0])
    from django.contrib.auth.models import Permission

    other.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(other)
    response = client.get("/cms/snippets/portal/eventregistration/")
    assert response.status_code in (302, 403)
    assert "lina@example.com" not in response.content.decode()
