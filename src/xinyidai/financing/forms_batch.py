"""The upload form of outcome batch files: the file's type and size; the content is checked by
``bank_connectors.batch`` when the batch is applied."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bank_connectors.batch import MAX_BYTES, MAX_ROWS

ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx")


def file_problem(name: str, size: int) -> str | None:
    """Why an uploaded file is refused before reading it (type, emptiness, size), or None."""
    lowered = name.lower()
    if lowered.endswith(".xls"):
        return str(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传。"))
    if not lowered.endswith(ACCEPTED_SUFFIXES):
        return str(_("不支持的文件类型“%(name)s”，请上传 CSV 或 XLSX 文件。") % {"name": name})
    if size == 0:
        return str(_("文件为空。"))
    if size > MAX_BYTES:
        return str(
            _("文件超过 %(mb)sMB，请拆分为多个文件分批上传。") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    return None


class OutcomeBatchUploadForm(forms.Form):
    file = forms.FileField(
        label=_("批量文件"),
        error_messages={
            "required": _("请选择要上传的批量文件。"),
            "empty": _("文件为空。"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "CSV 或 XLSX；UTF-8 或 GB18030（GBK）编码；第一行为表头；每行一笔操作，"
            "最多 %(rows)s 行。"
        ) % {"rows": MAX_ROWS}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = file_problem(upload.name, upload.size)
        if problem:
            raise forms.ValidationError(problem, code="file")
        return upload
