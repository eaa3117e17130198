"""The notification centre: a user sees and marks only their own notifications."""

from __future__ import annotations

import pytest

from tests.conftest import login
from xinyidai.notifications.models import Notification
from xinyidai.notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(personas):
    """Two notifications for Alice (one already read), one for Bob."""
    org = personas.enterprise_a.organization
    first = notify(
        recipients=[personas.alice],
        organization=org,
        kind="application.accept",
        title="您的贷款申请已被受理",
        body="产品：纳税e贷（一行）。",
        url="/financing/applications/1/",
        email=False,
    )[0]
    second = notify(
        recipients=[personas.alice],
        organization=org,
        kind="interest.new",
        title="一行 对您的融资需求表达了对接意向",
        url="https://evil.example/phish",
        email=False,
    )[0]
    Notification.objects.filter(pk=second.pk).update(read_at=first.created_at)
    bobs = notify(
        recipients=[personas.bob],
        organization=personas.enterprise_b.organization,
        kind="interest.new",
        title="给乙公司的消息",
        email=False,
    )[0]
    return first, second, bobs


def test_it_lists_only_my_notifications(client, personas, inbox):
    page = login(client, personas.alice).get("/notifications/").content.decode()
    assert "您的贷款申请已被受理" in page
    assert "一行 对您的融资需求表达了对接意向" in page
    assert "给乙公司的消息" not in page
    assert page.count('<span class="badge status-pending">未读</span>') == 1


def test_it_lists_unread_only(client, personas, inbox):
    page = login(client, personas.alice).get("/notifications/?unread=1").content.decode()
    assert "您的贷款申请已被受理" in page
    assert "一行 对您的融资需求表达了对接意向" not in page
    Notification.objects.filter(recipient=personas.alice).update(read_at=inbox[0].created_at)
    page = client.get("/notifications/?unread=1").content.decode()
    assert "没有未读消息。" in page


def test_it_says_when_there_is_nothing(client, personas):
    page = login(client, personas.bob).get("/notifications/").content.decode()
    assert "暂时没有消息。" in page


def test_opening_marks_read_and_follows_the_link(client, personas, inbox):
    first, _second, _bobs = inbox
    response = login(client, personas.alice).post(f"/notifications/{first.pk}/open")
    assert response.status_code == 302
    assert response["Location"] == "/financing/applications/1/"
    first.refresh_from_db()
    assert first.is_read


def test_opening_never_leaves_the_site(client, personas, inbox):
    _first, second, _bobs = inbox
    response = login(client, personas.alice).post(f"/notifications/{second.pk}/open")
    assert response["Location"] == "/notifications/"


def test_another_users_notification_is_404(client, personas, inbox):
    _first, _second, bobs = inbox
    assert login(client, personas.alice).post(f"/notifications/{bobs.pk}/open").status_code == 404
    bobs.refresh_from_db()
    assert not bobs.is_read


def test_opening_takes_post_only(client, personas, inbox):
    first, _second, _bobs = inbox
    assert login(client, personas.alice).get(f"/notifications/{first.pk}/open").status_code == 405
    first.refresh_from_db()
    assert not first.is_read


def test_read_all_marks_only_mine(client, personas, inbox):
    first, _second, bobs = inbox
    response = login(client, personas.alice).post("/notifications/read-all")
    assert response["Location"] == "/notifications/"
    first.refresh_from_db()
    bobs.refresh_from_db()
    assert first.is_read
    assert not bobs.is_read
    assert Notification.objects.filter(recipient=personas.alice, read_at__isnull=True).count() == 0


def test_visitors_are_sent_to_log_in(client, inbox):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/notifications/read-all").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=False).exclude(pk=inbox[1].pk).exists()


def test_it_lists_in_a_bounded_number_of_queries(
    client, personas, inbox, django_assert_max_num_queries
):
    for _i in range(6):
        notify(recipients=[personas.alice], kind="x", title="更多消息", email=False)
    login(client, personas.alice)
    with django_assert_max_num_queries(8):
        response = client.get("/notifications/")
    assert response.content.decode().count("data-notification=") == 8
