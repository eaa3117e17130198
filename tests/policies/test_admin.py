"""The policy index in the Django admin: a read-only list (the CMS writes it)."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_superusers_read_the_index_but_cannot_add_change_or_delete(client, publish):
    notice = publish(title="肇庆市首贷贴息")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    login(client, admin)

    listing = client.get("/django-admin/policies/policynotice/")
    assert listing.status_code == 200
    assert "肇庆市首贷贴息" in listing.content.decode()
    detail = client.get(f"/django-admin/policies/policynotice/{notice.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.get("/django-admin/policies/policynotice/add/").status_code == 403
    assert (
        client.post(
            f"/django-admin/policies/policynotice/{notice.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/django-admin/policies/policynotice/{notice.pk}/change/", {"title": "改"}
        ).status_code
        == 403
    )


def test_enterprise_users_are_kept_out_of_the_admin(client, personas):
    response = login(client, personas.alice).get("/django-admin/policies/policynotice/")

    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]
