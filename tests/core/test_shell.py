import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_the_home_page_is_the_wagtail_portal(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "信用变资产，数据助融资" in page
    assert "cdn" not in page.lower()


def test_the_interface_switches_to_english(client, personas):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Log in" in page
    assert "登录名或密码" not in page
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert "Incorrect user name or password" in response.content.decode()


def test_every_persona_lands_on_its_workspace(client, personas):
    login(client, personas.alice)
    page = client.get("/workspace/").content.decode()
    assert "肇庆甲有限公司" in page
    assert "企业负责人" in page


def test_the_admin_sites_are_mounted(client, personas, admin_user):
    client.force_login(admin_user)
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/cms/").status_code == 200


def test_the_api_schema_and_docs_are_served_without_a_cdn(client, personas):
    login(client, personas.alice)
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in docs.lower()


def test_risk_models_and_bank_connectors_import_without_django():
    code = (
        "import sys\n"
        "BLOCKED = {'django', 'wagtail', 'rest_framework', 'xinyidai', 'celery'}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import risk_models, risk_models.synth, risk_models.standards.sme_size\n"
        "import risk_models.standards.regions, risk_models.standards.industries\n"
        "import bank_connectors\n"
        "assert not any(m.split('.')[0] == 'django' for m in sys.modules)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_it_speaks_chinese_whatever_the_browser_asks(client):
    page = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert page["Content-Language"] == "zh-hans"
    assert "登录名或密码" not in page.content.decode()  # no error yet
    assert "忘记密码？" in page.content.decode()
