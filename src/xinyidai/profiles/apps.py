from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "xinyidai.profiles"
    label = "profiles"
    verbose_name = "融资信用画像"

    def ready(self) -> None:
        from xinyidai.sources.signals import batch_accepted

        batch_accepted.connect(_rebuild_after_batch, dispatch_uid="profiles-rebuild-after-batch")


def _rebuild_after_batch(sender: Any, batch: Any, **kwargs: Any) -> None:
    """New or corrected rows: rebuild the profiles of the enterprises they belong to."""
    from xinyidai.sources.models import Batch

    from . import services
    from .models import LendingProfile, ProfileRebuild

    if services.rebuilds_are_deferred():
        return
    # The first delivery of a source changes every profile: that source is no longer missing.
    first = not (
        Batch.objects.filter(source_id=batch.source_id, status=Batch.Status.ACCEPTED)
        .exclude(pk=batch.pk)
        .exists()
    )
    if not (first or batch.rows_new or batch.rows_corrected):
        return
    services.profiles_rebuild_start(
        scope=ProfileRebuild.Scope.ALL if first else ProfileRebuild.Scope.BATCH,
        trigger=LendingProfile.Trigger.DATA,
        batch_id=batch.pk,
    )
