"""Joint modelling: a bank's outcomes, point-in-time features, a model only that bank sees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from risk_models.features import build_features
from tests.conftest import login
from tests.factories import UserFactory
from xinyidai.accounts.models import Bank, Role
from xinyidai.accounts.services import membership_grant
from xinyidai.profiles import joint
from xinyidai.profiles.models import JointModelRequest, ScoringModel

LOAN_DATES = ("2025-06-15", "2026-01-10", "2026-09-01")


def _outcomes(city) -> pd.DataFrame:
    """Three loans per enterprise; the riskier (by the generator's truth) default more often."""
    truth = city.truth.set_index("uscc")["default_probability"]
    rng = np.random.default_rng(3)
    rows = []
    for day in LOAN_DATES:
        for uscc, p in truth.items():
            rows.append(
                {"uscc": uscc, "loan_date": day, "outcome": int(rng.random() < min(1, p * 6))}
            )
    frame = pd.DataFrame(rows)
    assert 10 <= frame["outcome"].sum() <= len(frame) - 10
    return frame


def _csv(frame: pd.DataFrame, header=("统一社会信用代码", "放款日期", "结果")) -> bytes:
    return frame.set_axis(list(header), axis=1).to_csv(index=False).encode("utf-8-sig")


def _with_recent_months(city, loans: pd.DataFrame) -> int:
    """Loans whose enterprise has a monthly record in the 12 months before the loan month."""
    months = pd.concat(
        city.sources[code][["uscc", "period"]]
        for code in ("tax_monthly", "social_insurance_monthly", "utilities_monthly")
    )
    count = 0
    for loan in loans.itertuples():
        start = pd.Timestamp(loan.loan_date).to_period("M").to_timestamp() - pd.DateOffset(
            months=12
        )
        end = pd.Timestamp(loan.loan_date).to_period("M").to_timestamp()
        mine = months[(months["uscc"] == loan.uscc)]
        count += bool(((mine["period"] >= start) & (mine["period"] < end)).any())
    return count


@pytest.fixture
def admins(personas):
    admin, other_admin = UserFactory(username="admin1"), UserFactory(username="admin2")
    membership_grant(user=admin, organization=personas.bank, role=Role.BANK_ADMIN)
    membership_grant(user=other_admin, organization=personas.other_bank, role=Role.BANK_ADMIN)
    return admin, other_admin


def test_point_in_time_features_are_those_known_on_each_loan_date(delivered):
    loans = _outcomes(delivered.city).iloc[::7].copy()
    loans["loan_date"] = pd.to_datetime(loans["loan_date"])
    features = joint.point_in_time_features(loans.reset_index(drop=True))
    city = delivered.city
    sources = {k: v for k, v in city.sources.items() if k != "housing_fund_monthly"}
    for position, loan in loans.reset_index(drop=True).iterrows():
        day = loan["loan_date"].date()
        members = city.enterprises[city.enterprises["uscc"] == loan["uscc"]]
        expected = build_features(sources, members, day).iloc[0]
        np.testing.assert_allclose(
            features.iloc[position].to_numpy(dtype=np.float64),
            expected.to_numpy(dtype=np.float64),
            rtol=1e-5,
        )
    early = features.iloc[0]
    assert early["tax_coverage_12m"] <= 1


def test_a_bank_trains_its_own_model_and_reads_its_card(
    client, personas, admins, delivered, django_capture_on_commit_callbacks
):
    admin, other_admin = admins
    outcomes = _outcomes(delivered.city)
    login(client, admin, verify=True)
    upload = SimpleUploadedFile("loans.csv", _csv(outcomes), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/profile/joint/", {"title": "小微贷2025", "file": upload})
    item = JointModelRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/profile/joint/{item.pk}/"
    assert item.status == "trained", item.message
    assert (item.rows_total, item.rows_matched) == (
        120,
        _with_recent_months(delivered.city, outcomes),
    )
    assert item.defaults == int(outcomes["outcome"].sum())
    model = item.scoring_model
    assert (model.purpose, model.bank.organization, model.is_active) == (
        "joint",
        personas.bank,
        True,
    )
    assert 0.0 <= model.metrics["auc"] <= 1.0
    assert "oot_auc" in model.metrics  # out-of-time check by loan date
    page = client.get(response["Location"]).content.decode()
    assert 'data-role="status">已完成<' in page
    assert "模型卡" in page
    assert f"{model.metrics['auc']:.4f}" in page
    # The platform's credit model is untouched by a bank's joint model.
    assert not ScoringModel.objects.filter(purpose="credit").exists()

    client.logout()
    login(client, other_admin, verify=True)
    assert client.get(f"/profile/joint/{item.pk}/").status_code == 404
    assert "小微贷2025" not in client.get("/profile/joint/").content.decode()


def test_a_credit_officer_may_not_submit(client, personas, admins):
    login(client, personas.officer, verify=True)
    upload = SimpleUploadedFile("loans.csv", b"uscc,loan_date,outcome\n", content_type="text/csv")
    assert client.post("/profile/joint/", {"file": upload}).status_code == 403
    client.logout()
    login(client, personas.alice)
    assert client.get("/profile/joint/").status_code == 404


def test_bad_rows_are_reported_and_nothing_is_trained(
    client, personas, admins, delivered, django_capture_on_commit_callbacks
):
    admin, _ = admins
    outcomes = _outcomes(delivered.city).astype(object)
    outcomes.loc[3, "uscc"] = "91441202MA4X00000X"
    outcomes.loc[5, "loan_date"] = "2099-01-01"
    outcomes.loc[8, "outcome"] = "也许"
    login(client, admin, verify=True)
    upload = SimpleUploadedFile("bad.csv", _csv(outcomes), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/profile/joint/", {"title": "bad", "file": upload})
    item = JointModelRequest.objects.get()
    assert item.status == "failed"
    assert item.message == "文件中有 3 处错误，未建模。请改正后重新上传。"
    assert [(e["row"], e["column"]) for e in item.errors] == [
        (5, "统一社会信用代码"),
        (7, "放款日期"),
        (10, "结果"),
    ]
    assert item.errors[1]["reason"] == "放款日期晚于今天"
    assert item.scoring_model is None
    assert not ScoringModel.objects.exists()
    page = client.get(f"/profile/joint/{item.pk}/").content.decode()
    assert "结果应为 1/违约 或 0/正常" in page


def test_a_file_without_the_needed_columns_is_refused(
    client, personas, admins, db, django_capture_on_commit_callbacks
):
    admin, _ = admins
    login(client, admin, verify=True)
    upload = SimpleUploadedFile(
        "x.csv", "统一社会信用代码,金额\n1,2\n".encode(), content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/profile/joint/", {"file": upload})
    item = JointModelRequest.objects.get()
    assert item.status == "failed"
    assert item.message == "文件缺少必需的列：放款日期（loan_date）、结果（outcome）。"
    upload = SimpleUploadedFile("x.xlsx", b"PK", content_type="application/octet-stream")
    page = client.post("/profile/joint/", {"file": upload}).content.decode()
    assert "请上传 CSV 文件。" in page


def test_too_few_loans_are_refused(delivered, personas, admins, tmp_path):
    admin, _ = admins
    small = _outcomes(delivered.city).iloc[:30]
    from django.core.files.base import ContentFile

    item = joint.joint_model_request_create(
        bank=Bank.objects.get(organization=personas.bank),
        actor=admin,
        title="small",
        upload=ContentFile(_csv(small)),
        name="small.csv",
        size=100,
    )
    item = joint.joint_model_train(request_id=item.pk)
    assert item.status == "failed"
    assert item.message == "贷款笔数太少：至少需要 100 笔，文件中只有 30 笔。"
