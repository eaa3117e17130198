"""Forms of the objection pages: filing (the record's key, the reason, evidence files) and the
explanation note of a step. The rules stay in ``services``; these only parse."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from risk_models.catalogue import SOURCES_BY_CODE, Dtype
from xinyidai.sources.models import SOURCE_SPECS, Source

from .evidence import MAX_FILES, allowed_types
from .models import REASON_MAX_LENGTH

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

NOTE_MAX_LENGTH = 2000
MONTH = re.compile(r"^\d{4}-\d{2}$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (the service checks count, type and size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class SourceChoiceForm(forms.Form):
    """Step one without a record link: which source the record is in."""

    source = forms.ModelChoiceField(
        label=_("数据源"),
        queryset=Source.objects.order_by("code"),
        to_field_name="code",
        empty_label=_("请选择"),
    )


def key_fields(source: Source) -> list[str]:
    """The key columns the person enters (the enterprise's own USCC is filled in)."""
    return [name for name in SOURCE_SPECS[source.code].key if name != "uscc"]


class ObjectionForm(forms.Form):
    """The record (its key columns other than the USCC), the reason and evidence files."""

    reason = forms.CharField(
        label=_("异议理由"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REASON_MAX_LENGTH,
        help_text=_("说明该记录哪里有误、正确的情况是什么，不超过 1000 字。"),
    )
    evidence_files = MultipleFileField(label=_("证明材料"))

    def __init__(self, *args: Any, source: Source, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["evidence_files"].help_text = _(
            "可选，最多 %(max)s 个文件；%(types)s，每个不超过 %(size)s。"
        ) % {
            "max": MAX_FILES,
            "types": "、".join(
                dict.fromkeys("JPG" if t == "jpeg" else t.upper() for t in allowed_types())
            ),
            "size": f"{settings.OBJECTION_EVIDENCE_MAX_BYTES / (1024 * 1024):g} MB",
        }
        spec = SOURCES_BY_CODE.get(source.code)
        columns = {c.name: c for c in spec.columns} if spec else {}
        key_inputs: dict[str, forms.Field] = {}
        for name in key_fields(source):
            column = columns.get(name)
            label = column.label if column else name
            if column is not None and column.dtype is Dtype.CHOICE:
                key_inputs[name] = forms.ChoiceField(
                    label=label, choices=[("", _("请选择")), *column.choices]
                )
                continue
            help_text: str | _StrPromise = ""
            if name == source.period_column or (column and column.dtype is Dtype.MONTH):
                help_text = _("月份，如 2026-01")
            elif column is not None and column.dtype is Dtype.DATE:
                help_text = _("日期，如 2026-01-31")
            key_inputs[name] = forms.CharField(label=label, max_length=200, help_text=help_text)
        # The record's key first, then the reason and the files.
        self.fields = {**key_inputs, **self.fields}

    def record_key(self, uscc: str) -> dict[str, str]:
        key: dict[str, str] = {}
        for name in SOURCE_SPECS[self.source.code].key:
            if name == "uscc":
                key[name] = uscc
                continue
            value = str(self.cleaned_data.get(name, "")).strip()
            if name == self.source.period_column and MONTH.match(value):
                value = f"{value}-01"
            key[name] = value
        return key


class NoteForm(forms.Form):
    """The explanation of a step (required by the service for a decision)."""

    note = forms.CharField(
        label=_("处理说明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX_LENGTH,
        required=False,
    )
