"""Writes of the portal: event registration."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import EventPage, EventRegistration


@transaction.atomic
def event_register(
    *,
    event: EventPage,
    name: str,
    organization: str,
    phone: str,
    email: str,
    uscc: str = "",
) -> EventRegistration:
    """Register one person; ``ValidationError`` (keyed by field) and nothing written if the
    deadline has passed, the event is full or the e-mail is already registered.

    The event row is locked so that two last-seat registrations cannot both succeed.
    """
    locked = EventPage.objects.select_for_update().only("pk", "capacity", "registration_deadline")
    current = locked.get(pk=event.pk)
    if timezone.now() > current.registration_deadline:
        deadline = timezone.localtime(current.registration_deadline)
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _("报名已于%(time)s截止。")
                % {"time": deadline.strftime("%Y-%m-%d %H:%M")}
            },
            code="deadline",
        )
    email = email.strip().lower()
    if EventRegistration.objects.filter(event_id=current.pk, email__iexact=email).exists():
        raise ValidationError(
            {"email": _("该电子邮箱已报名本次活动，无需重复报名。")}, code="duplicate"
        )
    if EventRegistration.objects.filter(event_id=current.pk).count() >= current.capacity:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("名额已满（共%(n)d人），感谢关注。") % {"n": current.capacity}},
            code="full",
        )
    registration = EventRegistration(
        event_id=current.pk,
        name=name,
        organization=organization,
        phone=phone,
        email=email,
        uscc=uscc,
    )
    registration.full_clean()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:  # pragma: no cover - the lock above serializes registrations
        raise ValidationError(
            {"email": _("该电子邮箱已报名本次活动，无需重复报名。")}, code="duplicate"
        ) from None
    return registration
