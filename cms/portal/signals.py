"""惠企政策直达: tell the platform's policy index when a policy page goes live or off line.

The platform never imports the CMS; the CMS calls ``xinyidai.policies.services`` here. The
calls run inside Wagtail's publishing transaction, so a refused policy (bad tags) is not
published either.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .models import PolicyPage


def policy_index_publish(page: PolicyPage) -> None:
    from xinyidai.policies import services

    services.policy_publish(
        page_id=page.pk,
        title=page.title,
        url=page.get_url() or page.url_path,
        authority=page.authority,
        document_number=page.document_number,
        issued_on=page.issued_on,
        summary=page.summary,
        region_codes=list(page.regions or []),
        industries=list(page.industries or []),
        sizes=list(page.sizes or []),
        scenarios=list(page.scenarios or []),
    )


def policy_index_unpublish(page_id: int) -> None:
    from xinyidai.policies import services

    services.policy_unpublish(page_id=page_id)


@receiver(page_published, sender=PolicyPage, dispatch_uid="portal_policy_published")
def _on_policy_published(sender: type, instance: PolicyPage, **kwargs: Any) -> None:
    policy_index_publish(instance)


@receiver(page_unpublished, sender=PolicyPage, dispatch_uid="portal_policy_unpublished")
def _on_policy_unpublished(sender: type, instance: PolicyPage, **kwargs: Any) -> None:
    policy_index_unpublish(instance.pk)


@receiver(post_delete, sender=PolicyPage, dispatch_uid="portal_policy_deleted")
def _on_policy_deleted(sender: type, instance: PolicyPage, **kwargs: Any) -> None:
    policy_index_unpublish(instance.pk)
