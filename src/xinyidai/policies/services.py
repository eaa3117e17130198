"""Writes of the policy index; the CMS calls these when an editor publishes or unpublishes.

Decisions (tested in ``tests/policies``):

* **Who is notified.** On a policy's *first* publication, every active owner and staff member of
  every registered enterprise the policy's region, industry and size tags admit
  (``selectors.enterprises_matching``) gets one notification (kind ``policy.published``), with
  an e-mail sent after commit. The recipients are found with one query and the rows written with
  one ``bulk_create``, whatever the number of enterprises.
* **Scenario tags do not restrict.** A scenario (科技贷, 首贷 …) says what kind of financing a
  policy supports; an enterprise that has not yet published a need of that kind is exactly the
  one 惠企政策直达 should reach. Scenario tags are stored and shown, never used to filter.
* **Re-publication does not notify again**: neither the publication of an edit nor publishing a
  page again after it was unpublished. Enterprises were told once; the page keeps its
  ``first_published_at`` and its place in the "newest first" order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from risk_models.standards.regions import RegionCodeError, validate_jurisdiction_prefix
from xinyidai.accounts.models import Membership, Role
from xinyidai.financing import flags
from xinyidai.financing.flags import Scenario
from xinyidai.notifications.models import Notification

from .models import PolicyNotice
from .selectors import enterprises_matching

NOTIFICATION_KIND = "policy.published"
EMAIL_CHUNK = 500


def _region_prefixes(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """Canonical short prefixes (covered ones dropped) and error messages."""
    prefixes: set[str] = set()
    errors: list[str] = []
    for raw in codes:
        code = str(raw).strip()
        if not code:
            continue
        try:
            prefixes.add(validate_jurisdiction_prefix(code))
        except RegionCodeError as exc:
            errors.append(_("适用地区“%(code)s”无效：%(reason)s") % {"code": code, "reason": exc})
    kept: list[str] = []
    for prefix in sorted(prefixes, key=lambda p: (len(p), p)):
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return sorted(kept), errors


def _unknown(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed_set = set(allowed)
    return [str(v) for v in values if str(v) not in allowed_set]


def _tags(
    *,
    region_codes: Iterable[str],
    industries: Iterable[str],
    sizes: Iterable[str],
    scenarios: Iterable[str],
) -> dict[str, object]:
    """Validate the tags and turn them into the model's fields; ValidationError per tag."""
    errors: dict[str, list[str]] = {}
    prefixes, region_errors = _region_prefixes(region_codes)
    if region_errors:
        errors["region_codes"] = region_errors
    industry_list = [str(v).strip().upper() for v in industries]
    bad = _unknown(industry_list, flags.SECTION_CODES)
    if bad:
        errors["industries"] = [
            _("未知的行业门类：%(codes)s（应为A–T中的字母）") % {"codes": "、".join(bad)}
        ]
    size_list = [str(v).strip() for v in sizes]
    bad = _unknown(size_list, flags.SIZE_CODES)
    if bad:
        errors["sizes"] = [
            _("未知的企业规模：%(codes)s（可选：%(allowed)s）")
            % {"codes": "、".join(bad), "allowed": "、".join(flags.SIZE_CODES)}
        ]
    scenario_list = [str(v).strip() for v in scenarios]
    bad = _unknown(scenario_list, Scenario.values)
    if bad:
        errors["scenarios"] = [
            _("未知的场景标签：%(codes)s（可选：%(allowed)s）")
            % {"codes": "、".join(bad), "allowed": "、".join(Scenario.values)}
        ]
    if errors:
        raise ValidationError(errors)
    return {
        "region_prefixes": prefixes,
        "region_keys": f" {' '.join(prefixes)} " if prefixes else "",
        "industry_mask": flags.industry_mask(industry_list),
        "size_mask": flags.size_mask(size_list),
        "scenario_mask": flags.mask(Scenario, scenario_list),
    }


@transaction.atomic
def policy_publish(
    *,
    page_id: int,
    title: str,
    url: str,
    authority: str,
    document_number: str,
    issued_on: dt.date | None,
    summary: str,
    region_codes: Iterable[str],
    industries: Iterable[str],
    sizes: Iterable[str],
    scenarios: Iterable[str],
) -> PolicyNotice:
    """Insert or update the page's entry and make it live; notify on the first publication.

    Raises ``ValidationError`` (keyed by argument or field name) and writes nothing on bad input.
    Not durable: the CMS calls it from inside Wagtail's own publishing transaction.
    """
    tags = _tags(region_codes=region_codes, industries=industries, sizes=sizes, scenarios=scenarios)
    now = timezone.now()
    notice = PolicyNotice.objects.select_for_update().filter(page_id=page_id).first()
    first_publication = notice is None
    if notice is None:
        notice = PolicyNotice(page_id=page_id, first_published_at=now)
    notice.title = title.strip()
    notice.url = url.strip()
    notice.authority = authority.strip()
    notice.document_number = document_number.strip()
    notice.issued_on = issued_on
    notice.summary = summary.strip()
    for field, value in tags.items():
        setattr(notice, field, value)
    notice.published_at = now
    notice.is_live = True
    notice.full_clean()
    notice.save()
    if first_publication:
        _notify_matching(notice)
    return notice


@transaction.atomic
def policy_unpublish(*, page_id: int) -> PolicyNotice | None:
    """Take the page's entry off the enterprises' lists (no notification); None if unknown."""
    notice = PolicyNotice.objects.select_for_update().filter(page_id=page_id).first()
    if notice is not None and notice.is_live:
        notice.is_live = False
        notice.save(update_fields=["is_live", "updated_at"])
    return notice


def _notify_matching(notice: PolicyNotice) -> int:
    """One notification per (member, enterprise) for the registered matching enterprises.

    Built like ``notifications.services.notify`` (which takes a single organization), but for
    many organizations at once: one query for the recipients, one bulk insert, e-mails after
    commit. Returns how many notifications were written.
    """
    enterprises = enterprises_matching(notice).filter(organization__isnull=False)
    pairs = (
        Membership.objects.filter(
            organization_id__in=enterprises.values("organization_id"),
            role__in=[Role.ENTERPRISE_OWNER, Role.ENTERPRISE_STAFF],
            is_active=True,
            user__is_active=True,
        )
        .order_by("organization_id", "user_id")
        .values_list("user_id", "organization_id")
    )
    heading = " ".join(part for part in (notice.authority, notice.document_number) if part)
    body = "\n".join(part for part in (heading, notice.summary) if part)
    # Stored text is read by many people later: the site's language, not the editor's.
    with translation.override(settings.LANGUAGE_CODE):
        title = (_("新的惠企政策：%(title)s") % {"title": notice.title})[:200]
    rows = [
        Notification(
            recipient_id=user_id,
            organization_id=organization_id,
            kind=NOTIFICATION_KIND,
            title=title,
            body=body,
            url=notice.url[:300],
        )
        for user_id, organization_id in pairs
    ]
    if not rows:
        return 0
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    ids = [n.pk for n in created]

    def send() -> None:
        from xinyidai.notifications.tasks import notifications_email

        for start in range(0, len(ids), EMAIL_CHUNK):
            notifications_email.delay(ids[start : start + EMAIL_CHUNK])

    transaction.on_commit(send)
    return len(created)
