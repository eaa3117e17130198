import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import confirmed_totp, current_code, login
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from xinyidai.accounts.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db


def test_it_logs_in_and_out(client, personas):
    login(client, personas.alice)
    assert client.get("/workspace/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/workspace/").status_code == 302


def test_it_locks_the_account_after_five_failures(client, personas):
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
        assert "登录名或密码错误" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 429
    assert "账户已临时锁定" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/workspace/").status_code == 302


def test_bank_staff_must_pass_two_factor(client, personas, time_machine):
    time_machine.move_to("2026-11-23 10:00:00+08:00", tick=False)
    device = confirmed_totp(personas.officer)
    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    response = client.get("/workspace/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Fworkspace%2F"
    wrong = "000000" if current_code(device) != "000000" else "111111"
    response = client.post("/accounts/two-factor/", {"token": wrong})
    assert "验证码错误或已过期" in response.content.decode()
    # A second try straight away is throttled, and the page says for how long.
    response = client.post("/accounts/two-factor/", {"token": current_code(device)})
    assert "尝试过于频繁，请2秒后再试。" in response.content.decode()
    assert client.get("/workspace/").status_code == 302
    time_machine.shift(5)
    response = client.post(
        "/accounts/two-factor/?next=/workspace/", {"token": current_code(device)}
    )
    assert response["Location"] == "/workspace/"
    assert client.get("/workspace/").status_code == 200


def test_regulator_staff_must_pass_two_factor(client, personas):
    confirmed_totp(personas.regulator)
    client.post("/accounts/login/", {"username": "regulator", "password": PASSWORD})
    assert client.get("/workspace/")["Location"].startswith("/accounts/two-factor/")


def test_enterprise_staff_need_no_second_factor(client, personas):
    login(client, personas.alice)
    assert client.get("/workspace/").status_code == 200


def test_first_login_of_bank_staff_enrols_an_authenticator(client, personas):
    client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    page = client.get("/accounts/two-factor/").content.decode()
    assert "首次登录请绑定手机认证器" in page
    device = TOTPDevice.objects.get(user=personas.officer, confirmed=False)
    assert re.search(r"data:image/svg\+xml;base64,", page)
    response = client.post("/accounts/two-factor/", {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/workspace/").status_code == 200


def test_it_sends_a_password_reset_link(client, personas):
    response = client.post("/accounts/password-reset/", {"email": personas.alice.email})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body
    ).group(1)
    form = client.get(link, follow=True)
    new = "a-brand-new-passphrase-42"
    response = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response["Location"] == "/accounts/password-reset/complete/"
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": new}).status_code == 302
    )


def test_a_role_must_fit_the_organization_kind():
    bank = OrganizationFactory(kind=Organization.Kind.BANK)
    membership = Membership(user=UserFactory(), organization=bank, role=Role.ENTERPRISE_OWNER)
    with pytest.raises(ValidationError) as info:
        membership.full_clean()
    assert info.value.message_dict["role"] == ["角色“企业负责人”不适用于金融机构类机构。"]


def test_a_user_acts_for_one_organization_at_a_time(client, personas):
    membership_b = Membership.objects.create(
        user=personas.alice,
        organization=personas.enterprise_b.organization,
        role=Role.ENTERPRISE_STAFF,
    )
    login(client, personas.alice)
    url_b = f"/enterprises/{personas.enterprise_b.uscc}/"
    assert client.get(url_b).status_code == 404  # acting for A
    client.post("/accounts/switch/", {"membership": membership_b.pk})
    assert client.get(url_b).status_code == 200
    assert client.get(f"/enterprises/{personas.enterprise_a.uscc}/").status_code == 404


def test_nobody_can_switch_into_a_foreign_membership(client, personas):
    foreign = Membership.objects.get(user=personas.bob)
    login(client, personas.alice)
    assert client.post("/accounts/switch/", {"membership": foreign.pk}).status_code == 404
