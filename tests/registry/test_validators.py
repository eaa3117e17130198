import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from tests.factories import make_resident_id, make_uscc
from xinyidai.registry.validators import mask_resident_id, validate_resident_id, validate_uscc

VALID = "91441202MA4UJ2XK3T"


def _message(value: str, validator=validate_uscc) -> tuple[str, str]:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value.code, info.value.messages[0]


def test_it_accepts_a_valid_code_and_normalizes_case_and_spaces():
    code = make_uscc(42)
    assert validate_uscc(code) == code
    assert validate_uscc(" " + code.lower() + " ") == code


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("9144120235218484", "uscc_length", "统一社会信用代码应为18位，当前为16位。"),
        ("91441202352184843K1", "uscc_length", "统一社会信用代码应为18位，当前为19位。"),
        ("", "uscc_length", "统一社会信用代码应为18位，当前为0位。"),
        ("9A441202352184843K", "uscc_character", "统一社会信用代码第2位“A”无效：前8位应为数字。"),
        (
            "914412023521848I3K",
            "uscc_character",
            "统一社会信用代码第16位“I”无效：只能使用数字和除I、O、Z、S、V以外的大写字母。",
        ),
        (
            "91441202352184843!",
            "uscc_character",
            "统一社会信用代码第18位“!”无效：只能使用数字和除I、O、Z、S、V以外的大写字母。",
        ),
    ],
)
def test_it_says_what_is_wrong_with_a_bad_code(value, code, message):
    assert _message(value) == (code, message)


def test_it_names_the_expected_check_character():
    good = make_uscc(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert _message(wrong) == (
        "uscc_checksum",
        f"统一社会信用代码校验位错误：第18位应为“{good[17]}”，实际为“{wrong[17]}”。",
    )


def test_it_validates_resident_ids():
    number = make_resident_id(5)
    assert validate_resident_id(number.lower()) == number
    assert _message(number[:-1], validate_resident_id) == (
        "id_length",
        "身份证号码应为18位，当前为17位。",
    )
    bad_check = number[:17] + ("0" if number[17] != "0" else "1")
    code, message = _message(bad_check, validate_resident_id)
    assert code == "id_checksum"
    assert message == f"身份证号码校验位错误：第18位应为“{number[17]}”。"
    body = "44120219901301001"  # month 13, with a correct check character
    assert _message(body + ric.calc_check_digit(body + "0"), validate_resident_id) == (
        "id_component",
        "身份证号码中的出生日期或地址码无效。",
    )


def test_it_masks_all_but_the_first_three_and_last_four():
    assert mask_resident_id("110105198001011234") == "110***********1234"
    assert mask_resident_id("") == ""
