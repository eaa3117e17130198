"""Forms for self-registration and the owner's edits. Money is entered in 万元, stored in yuan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from risk_models.standards.industries import divisions
from xinyidai.accounts.models import User

from .validators import (
    validate_industry,
    validate_region_code,
    validate_resident_id,
    validate_uscc,
)

WAN = Decimal("10000")


def _industry_choices() -> list[tuple[str, str]]:
    return [("", "---------")] + [
        (item.code, f"{item.section} {item.code} {item.name}") for item in divisions()
    ]


class WanYuanField(forms.DecimalField):
    """A money amount typed in 万元 and cleaned to yuan."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        amount = super().clean(value)
        return None if amount is None else (amount * WAN).quantize(Decimal("0.01"))


class EnterpriseFieldsForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    name = forms.CharField(label=_("企业名称"), max_length=200)
    legal_rep_name = forms.CharField(label=_("法定代表人姓名"), max_length=50)
    legal_rep_id_number = forms.CharField(
        label=_("法定代表人身份证号码"),
        max_length=30,
        help_text=_("加密保存，页面仅显示前3位和后4位。"),
    )
    region_code = forms.CharField(
        label=_("注册地行政区划代码"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("6位数字，如 441202（广东省肇庆市端州区）"),
    )
    industry_code = forms.ChoiceField(
        label=_("国民经济行业(大类)"), choices=_industry_choices, validators=[validate_industry]
    )
    established_on = forms.DateField(
        label=_("成立日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_capital = WanYuanField(label=_("注册资本(万元)"))
    employees = forms.IntegerField(label=_("从业人员(人)"), min_value=0)
    annual_revenue = WanYuanField(label=_("上年营业收入(万元)"))
    total_assets = WanYuanField(
        label=_("资产总额(万元)"),
        required=False,
        help_text=_("建筑业、房地产开发经营、租赁和商务服务业划型时需要。"),
    )

    def clean_uscc(self) -> str:
        return validate_uscc(self.cleaned_data["uscc"])

    def clean_legal_rep_id_number(self) -> str:
        return validate_resident_id(self.cleaned_data["legal_rep_id_number"])


class SignupForm(UserCreationForm[User]):
    """A new user who registers an enterprise at the same time."""

    class Meta:
        model = User
        fields = ("username", "display_name", "email", "mobile")
        labels = {"username": _("登录名")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True


class EnterpriseEditForm(forms.Form):
    industry_code = forms.ChoiceField(
        label=_("国民经济行业(大类)"), choices=_industry_choices, validators=[validate_industry]
    )
    employees = forms.IntegerField(label=_("从业人员(人)"), min_value=0)
    annual_revenue = WanYuanField(label=_("上年营业收入(万元)"))
    total_assets = WanYuanField(label=_("资产总额(万元)"), required=False)
