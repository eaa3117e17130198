"""Pages of the risk module.

* an enterprise reads its own lending profile (every version) and may ask for a rebuild;
* the platform operator runs rebuilds, activates model versions and watches their stability;
* a bank trains and reads its own joint models (another bank's are 404).

A bank reads an enterprise's profile only through the authorized path (the authorization issue).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyidai.accounts.models import Organization, Role
from xinyidai.accounts.permissions import current_membership, require_persona
from xinyidai.rights.selectors_repair import repairs_in_effect

from . import joint, selectors, services
from .content import MEASURES
from .forms import JointModelForm
from .models import JointModelRequest, LendingProfile, ProfileRebuild, ScoringModel

ENTERPRISE = {"kinds": (Organization.Kind.ENTERPRISE,)}
OPERATOR = {"kinds": (Organization.Kind.PLATFORM,), "roles": (Role.PLATFORM_OPERATOR,)}
BANK = {"kinds": (Organization.Kind.BANK,)}
JOINT_ROLES = (Role.BANK_ADMIN, Role.BANK_PRODUCT_MANAGER)


def _charts(profile: LendingProfile) -> list[dict[str, object]]:
    """Per monthly source: its measures with the last 12 months, for the page's tables."""
    months = profile.registration.get("months", [])[-12:]
    result = []
    for code, measures in MEASURES.items():
        entry = profile.sources.get(code, {})
        series = entry.get("series") or {}
        rows = [
            {"label": m.label, "unit": m.unit, "values": (series.get(m.key) or [])[-12:]}
            for m in measures
        ]
        result.append({"code": code, "entry": entry, "months": months, "rows": rows})
    return result


@require_persona(**ENTERPRISE)
def my_profile(request: HttpRequest) -> HttpResponse:
    enterprise = selectors.enterprise_of(current_membership(request))
    if enterprise is None:
        raise Http404
    version = request.GET.get("version")
    try:
        wanted = int(version) if version else None
    except ValueError:
        raise Http404 from None
    profile = selectors.profile_of(enterprise, wanted)
    if profile is None and wanted is not None:
        raise Http404
    return render(
        request,
        "profiles/profile.html",
        {
            "enterprise": enterprise,
            "profile": profile,
            "charts": _charts(profile) if profile else [],
            "versions": selectors.profile_versions(enterprise)[:50],
            "repairs": repairs_in_effect(enterprise),
        },
    )


@require_persona(kinds=(Organization.Kind.ENTERPRISE,), roles=(Role.ENTERPRISE_OWNER,))
@require_POST
def my_profile_rebuild(request: HttpRequest) -> HttpResponse:
    enterprise = selectors.enterprise_of(current_membership(request))
    if enterprise is None:
        raise Http404
    result = services.profile_rebuild_now(enterprise=enterprise, actor=request.user)  # type: ignore[arg-type]
    if result.created:
        messages.success(request, _("画像已更新为新版本。"))
    else:
        messages.info(request, _("数据没有变化，画像保持当前版本。"))
    return redirect("profiles:my_profile")


# --------------------------------------------------------------------------- operator


@require_persona(**OPERATOR)
@require_http_methods(["GET", "POST"])
def operations(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rebuild":
            rebuild = services.profiles_rebuild_start(
                scope=ProfileRebuild.Scope.ALL,
                trigger=LendingProfile.Trigger.FULL,
                requested_by=request.user,  # type: ignore[arg-type]
            )
            messages.success(request, _("已发起全量重建。"))
            return redirect("profiles:rebuild_detail", pk=rebuild.pk)
        if action == "monitor":
            run = services.model_monitor()
            if run is None:
                messages.warning(request, _("没有可监测的模型或画像。"))
            elif run.alert:
                messages.warning(request, _("监测完成：发现显著偏移，已通知平台运营人员。"))
            else:
                messages.success(request, _("监测完成：未发现显著偏移。"))
            return redirect("profiles:operations")
        raise PermissionDenied(_("未知操作。"))
    active = services.active_credit_model()
    return render(
        request,
        "profiles/operations.html",
        {
            "models": selectors.platform_models(),
            "active": active,
            "runs": selectors.monitoring_runs(active) if active else [],
            "rebuilds": selectors.recent_rebuilds(),
        },
    )


@require_persona(**OPERATOR)
def rebuild_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rebuild = get_object_or_404(ProfileRebuild, pk=pk)
    return render(request, "profiles/rebuild_detail.html", {"rebuild": rebuild})


@require_persona(**OPERATOR)
@require_http_methods(["GET", "POST"])
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(selectors.platform_models(), pk=pk)
    if request.method == "POST":
        services.scoring_model_activate(model=model, actor=request.user)  # type: ignore[arg-type]
        rebuild = services.profiles_rebuild_start(
            scope=ProfileRebuild.Scope.ALL,
            trigger=LendingProfile.Trigger.MODEL,
            requested_by=request.user,  # type: ignore[arg-type]
        )
        messages.success(
            request, _("已启用 %(model)s，正在用该版本重建全部画像。") % {"model": model}
        )
        return redirect("profiles:rebuild_detail", pk=rebuild.pk)
    return render(
        request,
        "profiles/model_detail.html",
        {"model": model, "runs": selectors.monitoring_runs(model)},
    )


# --------------------------------------------------------------------------- banks


@require_persona(**BANK)
@require_http_methods(["GET", "POST"])
def joint_list(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    bank = selectors.bank_of(membership)
    if bank is None:
        raise Http404
    form = JointModelForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        assert membership is not None  # noqa: S101
        if membership.role not in JOINT_ROLES:
            raise PermissionDenied(_("只有银行管理员或产品经理可以提交联合建模。"))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = joint.joint_model_request_create(
                    bank=bank,
                    actor=request.user,  # type: ignore[arg-type]
                    title=form.cleaned_data["title"],
                    upload=upload,
                    name=upload.name,
                    size=upload.size,
                )
            except joint.JointModelRefused as refusal:
                form.add_error("file", refusal.message)
            else:
                messages.success(request, _("文件已接收，正在建模。"))
                return redirect("profiles:joint_detail", pk=created.pk)
    return render(
        request,
        "profiles/joint_list.html",
        {"form": form, "requests": selectors.joint_requests_of(bank)},
    )


@require_persona(**BANK)
def joint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_of(current_membership(request))
    item: JointModelRequest = get_object_or_404(selectors.joint_requests_of(bank), pk=pk)
    model: ScoringModel | None = item.scoring_model
    return render(request, "profiles/joint_detail.html", {"item": item, "model": model})
