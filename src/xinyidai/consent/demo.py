"""Demo authorizations: the demo enterprise's grant to 粤信银行, a pending post-loan request,
and a few fetches (allowed and refused) so that its query history is not empty.

Called by ``xinyidai.core.demo.seed_demo`` after the financing data; running it again
creates nothing.
"""

from __future__ import annotations

import contextlib

from xinyidai.accounts.models import Bank, Membership, User
from xinyidai.financing.models import Application
from xinyidai.registry.models import Enterprise

from . import services
from .models import Authorization

YUEXIN = "B0001H244120001"  # licence number of the demo bank 粤信银行
ALL_BUT_PERSONAL = [
    "registration",
    "tax",
    "social_insurance",
    "housing_fund",
    "utilities",
    "public_credit",
]


def seed_consent(*, password: str) -> dict[str, int]:
    owner = User.objects.get(username="ent_owner")
    officer = User.objects.get(username="bank_officer")
    enterprise = Enterprise.objects.get(organization__memberships__user=owner)
    bank = Bank.objects.select_related("organization").get(licence_number=YUEXIN)
    if Authorization.objects.filter(enterprise=enterprise).exists():
        return {"authorizations": 0, "fetches": 0}
    applied = (
        Application.objects.filter(enterprise=enterprise, bank=bank)
        .exclude(state=Application.State.DRAFT)
        .order_by("created_at")
    )
    loan = applied.filter(state=Application.State.DISBURSED).first()
    services.authorization_grant(
        enterprise=enterprise,
        bank=bank,
        user=owner,
        purpose="pre_loan",
        scopes=ALL_BUT_PERSONAL,
        application=applied.first(),
        password=password,
        ip_address="127.0.0.1",
        fetch_limit=10,
    )
    bank_staff = Membership.objects.select_related("organization").get(
        user=officer, organization=bank.organization
    )
    services.authorization_request(
        membership=bank_staff,
        enterprise=enterprise,
        purpose="post_loan",
        scopes=["tax", "social_insurance", "utilities", "public_credit"],
        application=loan,
        note="贷后例行检查",
    )
    fetches = 0
    for purpose in ("pre_loan", "pre_loan", "joint_modelling"):
        with contextlib.suppress(services.FetchRefused):
            services.profile_fetch(
                user=officer,
                membership=bank_staff,
                enterprise=enterprise,
                purpose=purpose,
                channel="web",
                ip_address="127.0.0.1",
            )
        fetches += 1
    return {"authorizations": 2, "fetches": fetches}
