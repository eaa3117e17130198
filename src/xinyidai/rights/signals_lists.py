"""The lists follow the departments' data: when a batch of ``serious_dishonesty`` or
``red_list`` is accepted, the entries of the subjects it touched are synced in the same
transaction (so the profile rebuild started on commit sees them).

Connected by importing this module in ``RightsConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xinyidai.sources.signals import batch_accepted


@receiver(batch_accepted, dispatch_uid="rights-lists-sync-after-batch")
def sync_after_batch(sender: Any, batch: Any, **kwargs: Any) -> None:
    from xinyidai.sources.models import RECORD_MODELS

    from .services_lists import MIRRORS, lists_sync_from_records

    if batch.source_id not in MIRRORS:
        return
    manager: Any = RECORD_MODELS[batch.source_id]._default_manager  # columns by catalogue
    touched = manager.filter(batch_id=batch.pk).values("uscc")
    lists_sync_from_records(batch.source_id, usccs=touched)
