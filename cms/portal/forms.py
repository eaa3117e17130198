"""The event registration form: parses input; the rules on seats and dates live in services."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from xinyidai.registry.validators import validate_uscc

# A mobile number (11 digits starting 13–19) or a landline with its area code (0758-2345678).
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


class EventRegistrationForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    organization = forms.CharField(label=_("单位名称"), max_length=200)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        help_text=_("手机号或带区号的固定电话，如 0758-2345678"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("电子邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    uscc = forms.CharField(
        label=_("统一社会信用代码（选填）"),
        max_length=30,
        required=False,
        help_text=_("企业参会时填写，便于银行会前准备"),
    )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_organization(self) -> str:
        return self.cleaned_data["organization"].strip()

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s()（）]", "", self.cleaned_data["phone"])
        if not PHONE_RE.match(phone):
            raise ValidationError(
                _("请填写11位手机号或带区号的固定电话（如 0758-2345678）。"), code="phone"
            )
        return phone

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_uscc(self) -> str:
        value = self.cleaned_data.get("uscc", "").strip()
        return validate_uscc(value) if value else ""

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's errors next to their fields (the rest above the form)."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(None if field == NON_FIELD_ERRORS else field, errors)
        else:
            self.add_error(None, error)
