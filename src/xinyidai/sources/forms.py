from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Source, SourceColumn

MAX_UPLOAD_BYTES = 2 * 1024**3
ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".jsonl", ".ndjson", ".json")


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("数据源"), queryset=Source.objects.none(), empty_label=_("请选择数据源")
    )
    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("CSV、XLSX 或 JSON Lines；UTF-8 或 GB18030（GBK）编码；第一行为表头。"),
    )

    def __init__(self, *args: Any, sources: QuerySet[Source], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = sources

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError(
                _("不支持的文件类型“%(name)s”，请上传 CSV、XLSX 或 JSON Lines 文件。"),
                code="file_type",
                params={"name": upload.name},
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件为空。"), code="file_empty")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件超过2GB，请拆分后分批报送，或使用命令行导入。"), code="file_too_large"
            )
        return upload


class SourceForm(forms.ModelForm[Source]):
    class Meta:
        model = Source
        fields = [
            "name",
            "description",
            "provider_kind",
            "cadence",
            "due_day",
            "max_gap_days",
            "retention_months",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SourceColumnForm(forms.ModelForm[SourceColumn]):
    aliases_text = forms.CharField(
        label=_("表头别名"), required=False, help_text=_("多个别名用逗号分隔。")
    )

    class Meta:
        model = SourceColumn
        fields = ["label", "unit", "required", "max_length", "min_value", "max_value", "not_future"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["aliases_text"].initial = "，".join(self.instance.aliases or [])

    def save(self, commit: bool = True) -> SourceColumn:
        text = self.cleaned_data.get("aliases_text", "")
        self.instance.aliases = [a.strip() for a in text.replace("，", ",").split(",") if a.strip()]
        return super().save(commit)


SourceColumnFormSet = forms.modelformset_factory(
    SourceColumn, form=SourceColumnForm, extra=0, can_delete=False
)
