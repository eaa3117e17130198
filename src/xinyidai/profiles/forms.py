from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class JointModelForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100, required=False)
    file = forms.FileField(
        label=_("贷款结果文件（CSV）"),
        help_text=_(
            "列：统一社会信用代码（uscc）、放款日期（loan_date）、"
            "结果（outcome：1/违约 或 0/正常）。UTF-8 或 GB18030 编码。"
        ),
    )
