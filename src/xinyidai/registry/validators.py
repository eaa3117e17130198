"""Validation of the codes that identify enterprises, people, places and industries.

Each error names what is wrong and where, in Chinese, with a stable error ``code``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from risk_models.standards.industries import IndustryCodeError, validate_industry_code
from risk_models.standards.regions import RegionCodeError
from risk_models.standards.regions import validate_region_code as _validate_region

# Characters a USCC may use after its 8-digit prefix: digits and capitals except I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def normalize_uscc(value: str) -> str:
    return uscc.compact(value or "")


def validate_uscc(value: str) -> str:
    """Return the normalized code or raise a ValidationError saying what is wrong."""
    number = normalize_uscc(value)
    if len(number) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(number)},
            code="uscc_length",
        )
    for position, char in enumerate(number, start=1):
        allowed = "0123456789" if position <= 8 else USCC_ALPHABET
        if char not in allowed:
            if position <= 8:
                message = _("统一社会信用代码第%(pos)d位“%(char)s”无效：前8位应为数字。")
            else:
                message = _(
                    "统一社会信用代码第%(pos)d位“%(char)s”无效：只能使用数字和"
                    "除I、O、Z、S、V以外的大写字母。"
                )
            raise ValidationError(message % {"pos": position, "char": char}, code="uscc_character")
    try:
        uscc.validate(number)
    except stdnum_errors.InvalidChecksum:
        expected = uscc.calc_check_digit(number[:17])
        raise ValidationError(
            _("统一社会信用代码校验位错误：第18位应为“%(expected)s”，实际为“%(actual)s”。")
            % {"expected": expected, "actual": number[17]},
            code="uscc_checksum",
        ) from None
    except stdnum_errors.ValidationError as exc:  # pragma: no cover - covered by the checks above
        raise ValidationError(_("统一社会信用代码无效。"), code="uscc_invalid") from exc
    return number


def validate_resident_id(value: str) -> str:
    """Validate a resident identity card number (居民身份证号码)."""
    number = ric.compact(value or "")
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位，当前为%(n)d位。") % {"n": len(number)}, code="id_length"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("身份证号码格式错误：前17位应为数字，第18位应为数字或X。"), code="id_format"
        )
    try:
        ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("身份证号码校验位错误：第18位应为“%(expected)s”。")
            % {"expected": ric.calc_check_digit(number)},
            code="id_checksum",
        ) from None
    except stdnum_errors.InvalidComponent:
        raise ValidationError(
            _("身份证号码中的出生日期或地址码无效。"), code="id_component"
        ) from None
    return number


def mask_resident_id(number: str) -> str:
    """Show only the first three and last four characters: ``110***********1234``."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def validate_region_code(value: str) -> None:
    try:
        _validate_region(value)
    except RegionCodeError as exc:
        raise ValidationError(str(exc), code=exc.code) from exc


def validate_industry(value: str) -> None:
    try:
        validate_industry_code(value)
    except IndustryCodeError as exc:
        raise ValidationError(str(exc), code=exc.code) from exc
