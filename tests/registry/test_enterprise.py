from decimal import Decimal

import pytest
from django.db import connection

from tests.conftest import login
from tests.factories import PASSWORD, EnterpriseFactory, make_resident_id, make_uscc
from xinyidai.accounts.models import Membership, Organization, Role, User
from xinyidai.core.models import AuditEvent
from xinyidai.registry.models import Enterprise

pytestmark = pytest.mark.django_db


def _signup_data(**overrides):
    data = {
        "user-username": "newowner",
        "user-display_name": "新老板",
        "user-email": "newowner@test.xinyidai.example",
        "user-mobile": "13800000000",
        "user-password1": PASSWORD,
        "user-password2": PASSWORD,
        "ent-uscc": make_uscc(9001),
        "ent-name": "肇庆新注册有限公司",
        "ent-legal_rep_name": "测试人",
        "ent-legal_rep_id_number": make_resident_id(77),
        "ent-region_code": "441202",
        "ent-industry_code": "13",
        "ent-established_on": "2020-05-01",
        "ent-registered_capital": "100",
        "ent-employees": "20",
        "ent-annual_revenue": "300",
        "ent-total_assets": "",
    }
    data.update(overrides)
    return data


def test_it_registers_an_enterprise_with_its_owner(client):
    response = client.post("/enterprises/register/", _signup_data())
    enterprise = Enterprise.objects.get(uscc=make_uscc(9001))
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{enterprise.uscc}/"
    # 20 employees and 300万 revenue in manufacturing: exactly the small-enterprise floor.
    assert enterprise.size_class == "small"
    assert enterprise.annual_revenue == Decimal("3000000.00")
    assert enterprise.registered_capital == Decimal("1000000.00")
    owner = User.objects.get(username="newowner")
    membership = Membership.objects.get(user=owner)
    assert membership.organization == enterprise.organization
    assert membership.role == Role.ENTERPRISE_OWNER
    assert (
        AuditEvent.objects.filter(
            action="enterprise.register", object_id=str(enterprise.pk)
        ).count()
        == 1
    )
    page = client.get(response["Location"])
    assert "肇庆新注册有限公司" in page.content.decode()


def test_it_refuses_a_code_already_registered_and_writes_nothing(client, personas):
    taken = personas.enterprise_a.uscc
    response = client.post("/enterprises/register/", _signup_data(**{"ent-uscc": taken}))
    assert response.status_code == 200
    assert "该统一社会信用代码已在平台注册" in response.content.decode()
    assert not User.objects.filter(username="newowner").exists()
    assert Organization.objects.filter(kind="enterprise").count() == 2


def test_it_shows_the_field_error_for_a_bad_code(client):
    response = client.post(
        "/enterprises/register/", _signup_data(**{"ent-uscc": "91441202MA4UJ2XK3"})
    )
    assert response.status_code == 200
    assert "统一社会信用代码应为18位，当前为17位。" in response.content.decode()
    assert not Enterprise.objects.exists()
    assert not User.objects.filter(username="newowner").exists()


def test_it_lets_the_legal_representative_claim_a_registry_record(client):
    record = EnterpriseFactory(
        uscc=make_uscc(555),
        name="登记名称有限公司",
        legal_rep_name="王伟",
        legal_rep_id_number=make_resident_id(9),
    )
    data = _signup_data(
        **{
            "ent-uscc": record.uscc,
            "ent-legal_rep_name": "王伟",
            "ent-legal_rep_id_number": make_resident_id(9),
        }
    )
    assert client.post("/enterprises/register/", data).status_code == 302
    record.refresh_from_db()
    assert record.organization is not None
    assert record.name == "登记名称有限公司"  # the registry's name wins over the typed one
    assert record.organization.memberships.get().user.username == "newowner"


def test_it_refuses_a_claim_with_another_legal_representative(client):
    record = EnterpriseFactory(uscc=make_uscc(556), legal_rep_name="王伟")
    data = _signup_data(**{"ent-uscc": record.uscc, "ent-legal_rep_name": "李四"})
    response = client.post("/enterprises/register/", data)
    assert (
        "法定代表人姓名或身份证号码与登记信息不一致，无法认领该企业。" in response.content.decode()
    )
    record.refresh_from_db()
    assert record.organization is None
    assert not User.objects.filter(username="newowner").exists()


def test_it_stores_the_id_number_encrypted_and_shows_it_masked(client, personas):
    number = personas.enterprise_a.legal_rep_id_number
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_rep_id_number FROM registry_enterprise WHERE id = %s",
            [personas.enterprise_a.pk],
        )
        (stored,) = cursor.fetchone()
    assert number not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert Enterprise.objects.get(pk=personas.enterprise_a.pk).legal_rep_id_number == number
    login(client, personas.alice)
    page = client.get(f"/enterprises/{personas.enterprise_a.uscc}/").content.decode()
    assert number[:3] + "*" * 11 + number[-4:] in page
    assert number not in page


def test_a_member_sees_their_enterprise_and_not_another(client, personas):
    login(client, personas.alice)
    assert client.get(f"/enterprises/{personas.enterprise_a.uscc}/").status_code == 200
    assert client.get(f"/enterprises/{personas.enterprise_b.uscc}/").status_code == 404
    assert client.get(f"/enterprises/{personas.enterprise_b.uscc}/edit/").status_code == 404
    response = client.post(
        f"/enterprises/{personas.enterprise_b.uscc}/edit/",
        {"industry_code": "65", "employees": "1", "annual_revenue": "1"},
    )
    assert response.status_code == 404
    personas.enterprise_b.refresh_from_db()
    assert personas.enterprise_b.industry_code == "13"


def test_a_bank_officer_cannot_open_an_enterprise_record(client, personas):
    login(client, personas.officer, verify=True)
    assert client.get(f"/enterprises/{personas.enterprise_a.uscc}/").status_code == 404


def test_staff_may_read_but_only_the_owner_may_edit(client, personas):
    login(client, personas.amy)
    url = f"/enterprises/{personas.enterprise_a.uscc}/edit/"
    assert client.get(url).status_code == 403
    client.logout()
    login(client, personas.alice)
    response = client.post(url, {"industry_code": "65", "employees": "9", "annual_revenue": "49"})
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(pk=personas.enterprise_a.pk)
    # Software: 9 employees and 49万 is below the small floor (10 people, 50万): micro.
    assert (enterprise.industry_code, enterprise.size_class) == ("65", "micro")
    assert AuditEvent.objects.filter(action="enterprise.update").count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, personas):
    response = client.get(f"/enterprises/{personas.enterprise_a.uscc}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("industry", "employees", "revenue", "assets", "expected"),
    [
        ("13", 1000, "400000000", None, "large"),
        ("13", 999, "400000000", None, "medium"),
        ("52", 10, "1000000", None, "small"),
        ("52", 9, "1000000", None, "micro"),
        ("65", 100, "10000000", None, "medium"),
        ("47", 50, "3000000", "3000000", "small"),
        ("47", 50, "3000000", None, ""),
    ],
)
def test_the_stored_size_class_follows_the_national_rules(
    industry, employees, revenue, assets, expected
):
    enterprise = EnterpriseFactory(
        industry_code=industry,
        employees=employees,
        annual_revenue=Decimal(revenue),
        total_assets=Decimal(assets) if assets else None,
    )
    assert enterprise.size_class == expected
