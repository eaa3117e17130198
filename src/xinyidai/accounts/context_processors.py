from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from .middleware import user_memberships
from .models import Membership


def persona(request: HttpRequest) -> dict[str, Any]:
    """The active membership and the others the user could switch to, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    membership = membership if membership else None
    from xinyidai.notifications.services import unread_count

    return {
        "nav_items": _nav_items(membership),
        "unread_notifications": unread_count(user),
        "active_membership": membership,
        "other_memberships": [
            m for m in user_memberships(request) if not membership or m.pk != membership.pk
        ],
    }


def _nav_items(membership: Membership | None) -> list[tuple[str, str]]:
    """Navigation for the persona; later features add their pages here."""
    items = [(_("工作台"), reverse("core:workspace"))]
    kind = membership.organization.kind if membership else None
    enterprise = getattr(membership.organization, "enterprise", None) if membership else None
    if enterprise is not None:
        items.append((_("企业信息"), reverse("registry:enterprise_detail", args=[enterprise.uscc])))
        items.append((_("信用画像"), reverse("profiles:my_profile")))
        items += [
            (_("融资需求"), reverse("financing:need_list")),
            (_("贷款产品"), reverse("financing:product_catalogue")),
            (_("我的申请"), reverse("financing:application_list")),
            (_("查询授权"), reverse("consent:authorization_list")),
            (_("查询记录"), reverse("consent:query_history")),
            (_("异议申请"), reverse("rights:objection_list")),
            (_("信用修复"), reverse("rights:repair_home")),
            (_("信用承诺"), reverse("rights:commitment_list")),
            (_("信用名单"), reverse("rights:list_home")),
            (_("惠企政策"), reverse("policies:for_me")),
        ]
    if kind == "bank":
        items += [
            (_("匹配需求"), reverse("financing:bank_need_list")),
            (_("申请处理"), reverse("financing:bank_application_list")),
            (_("产品管理"), reverse("financing:bank_product_list")),
            (_("联合建模"), reverse("profiles:joint_list")),
            (_("查询授权"), reverse("consent:bank_authorization_list")),
        ]
        if membership is not None and membership.role in ("bank_admin", "bank_credit_officer"):
            items.append((_("批量文件"), reverse("financing:bank_batch_list")))
        if membership is not None and membership.role == "bank_admin":
            items.append((_("系统对接"), reverse("integrations:home")))
    if kind == "regulator":
        items += [
            (_("监测看板"), reverse("oversight:dashboard")),
            (_("监测报告"), reverse("oversight:reports")),
            (_("查询统计"), reverse("consent:regulator_counts")),
        ]
    if kind == "data_provider":
        items += [
            (_("数据报送"), reverse("sources:delivery_home")),
            (_("数据源目录"), reverse("sources:source_list")),
            (_("异议处理"), reverse("rights:provider_objection_list")),
        ]
        if _records_breaches(membership):
            items.append((_("承诺履约"), reverse("rights:commitment_operator_list")))
    if kind == "platform":
        items += [
            (_("报送批次"), reverse("sources:delivery_home")),
            (_("数据源目录"), reverse("sources:source_list")),
            (_("数据质量"), reverse("sources:quality")),
            (_("画像与模型"), reverse("profiles:operations")),
        ]
        if membership is not None and membership.role == "platform_operator":
            items += [
                (_("异议督办"), reverse("rights:operator_objection_list")),
                (_("修复审核"), reverse("rights:repair_queue")),
                (_("承诺履约"), reverse("rights:commitment_operator_list")),
                (_("名单管理"), reverse("rights:operator_list_entries")),
            ]
        items += [
            (str(_("内容管理")), "/cms/"),
            (str(_("系统管理")), "/django-admin/"),
        ]
    return items


def _records_breaches(membership: Membership | None) -> bool:
    """Reviewers of the departments that may record a commitment's breach."""
    from xinyidai.rights.services_commitments import may_record_breach

    return membership is not None and may_record_breach(membership)
