"""Checks on evidence files: the type by the file's first bytes (not only its name), the size.

Three formats are accepted, so their signatures are written out here rather than taking a
dependency for it: PDF (``%PDF-``), JPEG (``FF D8 FF``) and PNG (the 8-byte PNG signature).
A type in ``OBJECTION_EVIDENCE_TYPES`` without a signature below is never accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

SIGNATURES: dict[str, tuple[bytes, str]] = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}
MAX_FILES = 10


@dataclass(frozen=True)
class CheckedFile:
    file: File[Any]
    name: str
    size: int
    content_type: str
    sha256: str


def allowed_types() -> list[str]:
    return [t.lower() for t in settings.OBJECTION_EVIDENCE_TYPES if t.lower() in SIGNATURES]


def _types_label() -> str:
    labels: list[str] = []
    for extension in allowed_types():
        label = "JPG" if extension == "jpeg" else extension.upper()
        if label not in labels:
            labels.append(label)
    return "、".join(labels)


def _digest(file: File[Any]) -> tuple[bytes, str, int]:
    """The first bytes, the SHA-256 and the size of the file as read."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    file.seek(0)
    for chunk in file.chunks():
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return head, digest.hexdigest(), size


def evidence_check(files: Iterable[File[Any]]) -> list[CheckedFile]:
    """Every file checked before anything is stored; one message per bad file, naming it."""
    limit = settings.OBJECTION_EVIDENCE_MAX_BYTES
    files = list(files)
    errors: list[str] = []
    checked: list[CheckedFile] = []
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"evidence_files": _("证明材料最多 %(max)s 个文件。") % {"max": MAX_FILES}}
        )
    for file in files:
        name = PurePath(file.name or "").name or _("未命名文件")
        extension = PurePath(name).suffix.lower().lstrip(".")
        declared = file.size
        if declared is not None and declared > limit:
            errors.append(_too_large(name, limit))
            continue
        if extension not in allowed_types():
            errors.append(_wrong_type(name))
            continue
        head, sha256, size = _digest(file)
        signature, content_type = SIGNATURES[extension]
        if size == 0:
            errors.append(_("文件“%(name)s”是空文件。") % {"name": name})
        elif size > limit:
            errors.append(_too_large(name, limit))
        elif not head.startswith(signature):
            errors.append(_wrong_type(name))
        else:
            checked.append(CheckedFile(file, name, size, content_type, sha256))
    if errors:
        raise ValidationError({"evidence_files": errors})
    return checked


def _too_large(name: str, limit: int) -> str:
    return _("文件“%(name)s”超过 %(limit)s 的大小上限。") % {
        "name": name,
        "limit": f"{limit / (1024 * 1024):g} MB",
    }


def _wrong_type(name: str) -> str:
    return _("文件“%(name)s”不是允许的文件类型（仅限 %(types)s）。") % {
        "name": name,
        "types": _types_label(),
    }


@contextmanager
def stored_files_removed_on_failure() -> Iterator[list[str]]:
    """The names of the files a failed write stored: deleted when the block raises (the
    transaction rolled back, so no row names them)."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def evidence_store(row: Any, item: CheckedFile, stored: list[str]) -> None:
    """Save one checked file as the evidence ``row`` (a model of ``EvidenceFile``, unsaved, its
    owner set) and note its stored name in ``stored``."""
    row.original_name = item.name[:255]
    row.size = item.size
    row.content_type = item.content_type
    row.sha256 = item.sha256
    row.file.save(item.name, item.file, save=False)
    stored.append(row.file.name)
    row.save()
