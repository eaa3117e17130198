"""PDF credit reports: a bank asks, a task builds the PDF through the guarded path, the file is
kept with its hash, and anyone holding the report can check it on the public verify page.

* ``report_request`` — a queued report with its number and verification code; the build is
  enqueued once the request is committed.
* ``report_build`` — ``profile_fetch`` with channel "pdf" and the PDF builder as ``render``
  (so the access-log entry carries the PDF's SHA-256), then the file and its hash are kept in
  the same transaction; a refused fetch marks the report refused with the fetch's code.
* ``report_by_code`` / ``report_matches`` — the public check: a built report by its code,
  and whether an uploaded file is byte for byte the one the platform made.
* ``report_download`` — a built report for a credit officer of the bank that asked, within
  the grant's data life; every download is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Bank, Membership, Role
from xinyidai.core.models import audit, event_record
from xinyidai.registry.models import Enterprise

from . import services
from .models import AccessLogEntry, Authorization, CreditReport, Purpose
from .report import ReportMeta, build_report
from .scopes import Scope

logger = logging.getLogger(__name__)

CODE_BYTES = 12  # 16 URL-safe characters, 96 random bits


def verify_url(code: str) -> str:
    """The absolute address of a report's public verification page (printed and QR-coded)."""
    return settings.SITE_URL.rstrip("/") + reverse("verify:report", args=[code])


def _report_number(report: CreditReport) -> str:
    return f"XYD-{timezone.localtime(report.created_at):%Y%m%d}-{report.pk:06d}"


@transaction.atomic
def report_request(
    *,
    membership: Membership,
    enterprise: Enterprise,
    purpose: str,
    sections: Iterable[str] | None = None,
    ip_address: str | None = None,
) -> CreditReport:
    """A bank's request for a PDF report; whether it may have one is decided when it is built
    (by ``profile_fetch``, which logs a refusal like any other)."""
    from . import tasks

    bank = Bank.objects.filter(organization_id=membership.organization_id).first()
    if bank is None:
        raise ValidationError(_("只有银行可以申请信用报告。"))
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("请选择查询用途。")})
    wanted = None
    if sections is not None:
        wanted = list(dict.fromkeys(sections))
        unknown = [s for s in wanted if s not in Scope.values]
        if not wanted:
            raise ValidationError({"sections": _("请至少选择一项数据范围。")})
        if unknown:
            raise ValidationError(
                {"sections": _("未知的数据范围：%(values)s") % {"values": "、".join(unknown)}}
            )
    code = secrets.token_urlsafe(CODE_BYTES)
    report = CreditReport(
        number=f"pending-{code}",  # the number carries the id: set right after the insert
        verification_code=code,
        enterprise=enterprise,
        bank=bank,
        requested_by=membership.user,
        purpose=purpose,
        sections=wanted,
        ip_address=ip_address,
    )
    report.full_clean()
    report.save()
    report.number = _report_number(report)
    report.save(update_fields=["number"])
    audit(
        action="credit_report.request",
        actor=membership.user,
        organization=membership.organization,
        obj=report,
        data={"enterprise_id": enterprise.pk, "purpose": purpose, "sections": wanted},
        ip_address=ip_address,
    )
    transaction.on_commit(lambda: tasks.report_build.delay(report.pk))
    return report


def _meta(report: CreditReport, authorization: Authorization, at: dt.datetime) -> ReportMeta:
    return ReportMeta(
        number=report.number,
        verification_code=report.verification_code,
        verify_url=verify_url(report.verification_code),
        generated_at=at,
        bank=report.bank.organization.name,
        branch=authorization.branch.name if authorization.branch_id else "",  # type: ignore[union-attr]
        officer=str(report.requested_by),
        purpose=str(report.get_purpose_display()),
        authorization=_("第 %(n)s 号") % {"n": authorization.pk},
        signed_at=authorization.signed_at,
        valid_from=authorization.valid_from,
        expires_at=authorization.expires_at,
        history_months=authorization.history_months,
    )


def _build(report: CreditReport) -> CreditReport:
    membership = (
        Membership.objects.filter(
            user=report.requested_by, organization_id=report.bank_id, is_active=True
        )
        .select_related("organization")
        .first()
    )
    generated_at = timezone.now()

    def render(content: dict[str, Any], authorization: Authorization) -> bytes:
        return build_report(content, _meta(report, authorization, generated_at))

    try:
        fetched = services.profile_fetch(
            user=report.requested_by,
            membership=membership,
            enterprise=report.enterprise,
            purpose=report.purpose,
            channel=AccessLogEntry.Channel.PDF,
            sections=report.sections,
            ip_address=report.ip_address,
            render=render,
        )
    except services.FetchRefused as refused:
        report.status = CreditReport.Status.REFUSED
        report.reason = refused.code
        report.access_log_entry_id = refused.entry.pk if refused.entry else None
        report.save(update_fields=["status", "reason", "access_log_entry_id"])
        return report
    document = fetched.document or b""
    # A random part in the name: the number alone would be easy to guess.
    name = f"{report.number}-{secrets.token_hex(8)}.pdf"
    report.file.save(name, ContentFile(document), save=False)
    report.sha256 = hashlib.sha256(document).hexdigest()
    report.size = len(document)
    report.authorization = fetched.authorization
    report.status = CreditReport.Status.READY
    report.ready_at = generated_at
    report.access_log_entry_id = fetched.entry.pk
    report.save()
    audit(
        action="credit_report.ready",
        actor=report.requested_by,
        organization=report.bank.organization,
        obj=report,
        data={"sha256": report.sha256, "access_log_entry_id": fetched.entry.pk},
    )
    event_record(
        kind="report.ready",
        organization=report.bank.organization,
        payload={
            "report": report.number,
            "enterprise": report.enterprise.uscc,
            "sha256": report.sha256,
            "ready_at": generated_at.isoformat(),
        },
    )
    return report


def report_build(*, report_id: int) -> CreditReport:
    """Build a queued report (a report already built or refused is left as it is)."""
    try:
        with transaction.atomic():
            report = (
                CreditReport.objects.select_for_update(of=("self",))
                .select_related("enterprise", "bank__organization", "requested_by")
                .get(pk=report_id)
            )
            if report.status != CreditReport.Status.QUEUED:
                return report
            return _build(report)
    except CreditReport.DoesNotExist:
        raise
    except Exception:
        # Nothing of the attempt was kept (no log entry, no hash); say that it failed.
        logger.exception("credit report %s could not be built", report_id)
        CreditReport.objects.filter(pk=report_id, status=CreditReport.Status.QUEUED).update(
            status=CreditReport.Status.FAILED, reason="error"
        )
        return CreditReport.objects.get(pk=report_id)


# --------------------------------------------------------------------------- reading


def report_by_code(code: str) -> CreditReport | None:
    """A built report by its verification code (the public page shows only a few facts)."""
    return (
        CreditReport.objects.filter(verification_code=code, status=CreditReport.Status.READY)
        .select_related("bank__organization")
        .first()
    )


def report_matches(report: CreditReport, chunks: Iterable[bytes]) -> bool:
    """Whether the bytes are exactly the stored report's (by SHA-256)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return hmac.compare_digest(digest.hexdigest(), report.sha256)


def _within_data_life(report: CreditReport, now: dt.datetime) -> bool:
    authorization = report.authorization
    if authorization is None or report.ready_at is None:
        return False
    return now < report.ready_at + dt.timedelta(days=authorization.data_life_days)


def report_download(
    *, user: Any, membership: Membership | None, number: str, ip_address: str | None = None
) -> CreditReport | None:
    """The built report for a credit officer of the bank that asked for it, while the grant's
    data life lasts; ``None`` for anyone else (answered as 404). Each download is audited."""
    if membership is None or membership.role != Role.BANK_CREDIT_OFFICER:
        return None
    report = (
        CreditReport.objects.filter(
            number=number,
            bank_id=membership.organization_id,
            status=CreditReport.Status.READY,
        )
        .select_related("authorization")
        .first()
    )
    if report is None or not _within_data_life(report, timezone.now()):
        return None
    audit(
        action="credit_report.download",
        actor=user,
        organization=membership.organization,
        obj=report,
        ip_address=ip_address,
    )
    return report


__all__ = [
    "report_build",
    "report_by_code",
    "report_download",
    "report_matches",
    "report_request",
    "verify_url",
]
