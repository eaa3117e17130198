"""Portal fixtures: the home page from the migration, portal sections, editors and moderators."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cms.home.models import HomePage
from cms.portal.models import (
    EventIndexPage,
    EventPage,
    PolicyIndexPage,
    PolicyPage,
)
from tests.factories import UserFactory
from xinyidai.accounts.models import User


def publish(page: Any) -> Any:
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def home(db) -> HomePage:
    return HomePage.objects.get()


@pytest.fixture
def policy_index(home: HomePage) -> PolicyIndexPage:
    index = PolicyIndexPage(title="惠企政策", slug="zhengce")
    home.add_child(instance=index)
    return publish(index)


def policy_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "肇庆市支持小微企业首贷贴息办法",
        "slug": "first-loan-subsidy",
        "authority": "肇庆市人民政府办公室",
        "document_number": "肇府办〔2026〕8号",
        "issued_on": dt.date(2026, 2, 18),
        "regions": ["4412"],
        "industries": [],
        "sizes": ["small", "micro"],
        "scenarios": ["first_loan"],
        "summary": "对首次获得银行贷款的小微企业给予贴息。",
    }
    values.update(overrides)
    return values


def add_policy(index: PolicyIndexPage, *, live: bool = True, **overrides: Any) -> PolicyPage:
    page = PolicyPage(**policy_values(**overrides), live=False)
    index.add_child(instance=page)
    if live:
        return publish(page)
    page.save_revision()
    return page


@pytest.fixture
def event_index(home: HomePage) -> EventIndexPage:
    index = EventIndexPage(title="活动报名", slug="huodong")
    home.add_child(instance=index)
    return publish(index)


def add_event(index: EventIndexPage, **overrides: Any) -> EventPage:
    starts = timezone.now() + dt.timedelta(days=10)
    values: dict[str, Any] = {
        "title": "政银企融资对接会",
        "slug": "matchmaking",
        "kind": EventPage.Kind.MATCHMAKING,
        "starts_at": starts,
        "place": "政务服务中心三楼",
        "capacity": 2,
        "registration_deadline": starts - dt.timedelta(days=2),
    }
    values.update(overrides)
    page = EventPage(**values)
    index.add_child(instance=page)
    return publish(page)


@pytest.fixture
def editor(db) -> User:
    user = UserFactory(username="cms_editor")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def moderator(db) -> User:
    user = UserFactory(username="cms_moderator")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user
