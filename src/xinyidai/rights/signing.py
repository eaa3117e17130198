"""Signing a credit commitment (信用承诺) online: the one way a ``Commitment`` is created.

Used by the commitments pages and by credit repair (which signs its repair commitment as part
of the application). Call it inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyidai.accounts.models import Role, User
from xinyidai.core.models import audit
from xinyidai.registry.models import Enterprise

from .models import Commitment, CommitmentEvent, CommitmentTemplate
from .people import is_member

SUBJECT_MAX_LENGTH = 300


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def commitment_due_on(template: CommitmentTemplate, signed_on: dt.date) -> dt.date | None:
    if not template.fulfilment_months:
        return None
    return signed_on + relativedelta(months=template.fulfilment_months)


def commitment_text(
    template: CommitmentTemplate, enterprise: Enterprise, subject: str, due_on: dt.date | None
) -> str:
    return template.body.format(
        enterprise=enterprise.name,
        uscc=enterprise.uscc,
        subject=subject,
        due_on=chinese_date(due_on) if due_on else _("承诺有效期内"),
    )


def commitment_digest(text: str, uscc: str, signer_name: str, signed_at: dt.datetime) -> str:
    payload = "\n".join([text, uscc, signer_name, signed_at.isoformat()])
    return hashlib.sha256(payload.encode()).hexdigest()


def commitment_sign(
    *,
    user: User,
    enterprise: Enterprise,
    template: CommitmentTemplate,
    subject: str,
    signer_name: str,
) -> Commitment:
    """The enterprise's owner signs ``template`` about ``subject``. Only an active owner may sign
    (``PermissionDenied``); a blank subject or signer, or an inactive template, is a
    ``ValidationError`` naming the field."""
    if not is_member(user, enterprise.organization, [Role.ENTERPRISE_OWNER]):
        raise PermissionDenied(_("只有企业负责人可以在线签署信用承诺。"))
    errors: dict[str, str] = {}
    subject = (subject or "").strip()
    signer_name = (signer_name or "").strip()
    if not template.is_active:
        errors["template"] = _("该承诺模板已停用，请选择其他模板。")
    if not subject:
        errors["subject"] = _("请填写承诺事项。")
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = _("承诺事项不能超过 %(max)s 个字。") % {"max": SUBJECT_MAX_LENGTH}
    if not signer_name:
        errors["signer_name"] = _("请填写签署人姓名。")
    elif len(signer_name) > 100:
        errors["signer_name"] = _("签署人姓名不能超过 100 个字。")
    if errors:
        raise ValidationError(errors)
    signed_at = timezone.now()
    due_on = commitment_due_on(template, timezone.localdate(signed_at))
    text = commitment_text(template, enterprise, subject, due_on)
    commitment = Commitment.objects.create(
        template=template,
        kind=template.kind,
        enterprise=enterprise,
        subject=subject,
        text=text,
        signer_name=signer_name,
        signed_by=user,
        signed_at=signed_at,
        digest=commitment_digest(text, enterprise.uscc, signer_name, signed_at),
        is_public=template.public,
        due_on=due_on,
    )
    CommitmentEvent.objects.create(
        commitment=commitment,
        action="sign",
        actor=user,
        organization=enterprise.organization,
        to_state=Commitment.State.IN_FORCE,
        data={"template": template.code, "version": template.version},
    )
    audit(
        action="rights.commitment_signed",
        actor=user,
        organization=enterprise.organization,
        obj=commitment,
        data={"template": template.code, "subject": subject},
    )
    return commitment
