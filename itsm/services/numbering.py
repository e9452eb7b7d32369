"""Ticket numbers: PREFIX + 7 digits, unique and gap-free per prefix."""

from django.db import IntegrityError, transaction

from itsm.models import NumberSequence


def number_next(*, prefix: str) -> str:
    """Take the next number for `prefix` (e.g. INC0000042).

    The sequence row is locked until the caller's transaction ends, so concurrent creators queue and a
    rolled-back creation gives its number back: numbers are never duplicated and never skipped.
    """
    with transaction.atomic():
        sequence = NumberSequence.objects.select_for_update().filter(prefix=prefix).first()
        if sequence is None:
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(prefix=prefix, last_value=0)
            except IntegrityError:
                pass  # another creator made the row first
            sequence = NumberSequence.objects.select_for_update().get(prefix=prefix)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
    return f"{prefix}{sequence.last_value:07d}"
