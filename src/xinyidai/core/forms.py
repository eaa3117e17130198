"""Form helpers shared by the apps' views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def attach_errors(error: ValidationError, *targets: forms.BaseForm) -> None:
    """Put a service's messages next to the field they concern, on whichever form has it; a
    message for no field (or a field no form shows) goes above the last form."""
    last = targets[-1]
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            last.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        form = next((f for f in targets if field in f.fields), last)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
