"""What the processes' models share: stored evidence files."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def evidence_path(folder: str, owner_id: Any, filename: str) -> str:
    """A random stored name (the person's file name is kept in ``original_name`` only)."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"{folder}/{owner_id}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    """One evidence file checked by ``rights.evidence`` (type by content, size, digest)."""

    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    content_type = models.CharField(_("类型"), max_length=50)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name
