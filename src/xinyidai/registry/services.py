"""Writes for the enterprise registry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Organization, Role, User
from xinyidai.accounts.services import membership_grant, organization_create
from xinyidai.core.models import audit

from .models import Enterprise, size_classes
from .validators import validate_resident_id, validate_uscc

#: Fields an enterprise owner keeps up to date in the workspace.
OWNER_EDITABLE_FIELDS = ("industry_code", "employees", "annual_revenue", "total_assets")


def _already_registered_error() -> ValidationError:
    return ValidationError(
        {
            "uscc": _(
                "该统一社会信用代码已在平台注册。如您是该企业人员，请联系企业负责人将您添加为成员。"
            )
        },
        code="uscc_taken",
    )


@transaction.atomic
def enterprise_register(
    *,
    owner: User,
    uscc: str,
    name: str,
    legal_rep_name: str,
    legal_rep_id_number: str,
    region_code: str,
    industry_code: str,
    established_on: dt.date,
    registered_capital: Decimal,
    employees: int | None = None,
    annual_revenue: Decimal | None = None,
    total_assets: Decimal | None = None,
    ip_address: str | None = None,
) -> Enterprise:
    """Register an enterprise on the platform with ``owner`` as its 企业负责人.

    An enterprise already in the registry (from department data) is claimed only when the legal
    representative's name and ID number match the registry; one already registered is refused.
    """
    code = validate_uscc(uscc)
    id_number = validate_resident_id(legal_rep_id_number)
    enterprise = Enterprise.objects.select_for_update().filter(uscc=code).first()
    claimed = enterprise is not None
    if enterprise is not None:
        if enterprise.organization_id is not None:
            raise _already_registered_error()
        if (
            enterprise.legal_rep_name != legal_rep_name
            or enterprise.legal_rep_id_number != id_number
        ):
            raise ValidationError(
                {
                    "legal_rep_id_number": _(
                        "法定代表人姓名或身份证号码与登记信息不一致，无法认领该企业。"
                    )
                },
                code="legal_rep_mismatch",
            )
        for field, value in (
            ("employees", employees),
            ("annual_revenue", annual_revenue),
            ("total_assets", total_assets),
        ):
            if value is not None:
                setattr(enterprise, field, value)
    else:
        enterprise = Enterprise(
            uscc=code,
            name=name,
            legal_rep_name=legal_rep_name,
            legal_rep_id_number=id_number,
            region_code=region_code,
            industry_code=industry_code,
            established_on=established_on,
            registered_capital=registered_capital,
            employees=employees,
            annual_revenue=annual_revenue,
            total_assets=total_assets,
        )
    organization = organization_create(
        name=enterprise.name, kind=Organization.Kind.ENTERPRISE, region_code=enterprise.region_code
    )
    enterprise.organization = organization
    enterprise.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise _already_registered_error() from exc
    membership_grant(user=owner, organization=organization, role=Role.ENTERPRISE_OWNER)
    audit(
        action="enterprise.register",
        actor=owner,
        organization=organization,
        obj=enterprise,
        data={"uscc": code, "claimed": claimed},
        ip_address=ip_address,
    )
    return enterprise


@transaction.atomic
def enterprise_update(
    *,
    enterprise: Enterprise,
    actor: User,
    changes: dict[str, object],
    ip_address: str | None = None,
) -> Enterprise:
    unknown = set(changes) - set(OWNER_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable by the owner: {sorted(unknown)}")
    before = {field: str(getattr(enterprise, field)) for field in changes}
    for field, value in changes.items():
        setattr(enterprise, field, value)
    enterprise.full_clean()
    enterprise.save()
    audit(
        action="enterprise.update",
        actor=actor,
        organization=enterprise.organization,
        obj=enterprise,
        data={"before": before, "after": {f: str(getattr(enterprise, f)) for f in changes}},
        ip_address=ip_address,
    )
    return enterprise


def enterprise_sizes_reclassify(
    *, enterprise_ids: list[int] | None = None, chunk: int = 50_000
) -> int:
    """Recompute the stored size class (after a change of rules or of reported figures).

    Works set by set: each chunk is read as one frame, classified vectorized, and only the rows
    whose class changed are written back. Returns the number of rows changed.
    """
    queryset = Enterprise.objects.order_by("pk")
    if enterprise_ids is not None:
        queryset = queryset.filter(pk__in=enterprise_ids)
    fields = ("pk", "industry_code", "employees", "annual_revenue", "total_assets", "size_class")
    changed = 0
    last_pk = 0
    while True:
        rows = list(queryset.filter(pk__gt=last_pk).values_list(*fields)[:chunk])
        if not rows:
            return changed
        last_pk = rows[-1][0]
        frame = pd.DataFrame(
            rows,
            columns=["pk", "industry_code", "employees", "revenue", "total_assets", "size_class"],
        )
        frame["new"] = size_classes(frame)
        stale = frame[frame["new"] != frame["size_class"]]
        if not stale.empty:
            with transaction.atomic():
                Enterprise.objects.bulk_update(
                    [
                        Enterprise(pk=pk, size_class=new)
                        for pk, new in zip(stale["pk"], stale["new"], strict=True)
                    ],
                    ["size_class"],
                    batch_size=5000,
                )
            changed += len(stale)
