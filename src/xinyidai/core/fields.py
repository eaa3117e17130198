"""Model fields shared by the apps."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core import exceptions, validators
from django.db import models

from .crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """Stores a Fernet token in the database and gives back the plain text in Python.

    The column never holds the plain value; it cannot be filtered on (use a blind index).
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))


FEN_PER_YUAN = 100


def yuan_to_fen(value: Any) -> int:
    """An amount in yuan (``Decimal``, ``int``, ``str``; at most two decimals) as whole fen."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} 元不是整分")
    return int(fen)


class FenField(models.BigIntegerField):
    """An amount in yuan, stored as a whole number of fen (分) in a ``bigint``.

    Python code reads and writes ``Decimal`` yuan with two decimals, as a ``DecimalField(18, 2)``
    would; lookups and aggregates convert too. The column is exact, eight bytes wide, compares
    and sums as an integer, and is loaded from a file as a plain integer (``sources.pgcopy``).
    Raw SQL sees fen: divide by 100.
    """

    description = "Amount in yuan, stored as whole fen"
    default_validators = [validators.DecimalValidator(max_digits=18, decimal_places=2)]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-2)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return Decimal(str(value))
        except InvalidOperation as exc:
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from exc

    def get_prep_value(self, value: Any) -> int | None:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return yuan_to_fen(value)

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        defaults = {"max_digits": 18, "decimal_places": 2, **kwargs}
        return super().formfield(
            form_class=form_class or forms.DecimalField,
            choices_form_class=choices_form_class,
            **defaults,
        )
