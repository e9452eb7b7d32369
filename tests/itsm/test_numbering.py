"""Ticket numbers: prefix + 7 digits, never duplicated, gap-free even under concurrent creators."""

import pytest
from django.db import transaction

from itsm.services.numbering import number_next
from itsm.testing.concurrency import run_concurrently
from tests.sample.factories import sample_ticket
from tests.sample.models import SampleTicket


@pytest.mark.django_db
def test_format_and_sequence_per_prefix():
    assert number_next(prefix="INC") == "INC0000001"
    assert number_next(prefix="INC") == "INC0000002"
    assert number_next(prefix="CHG") == "CHG0000001"


@pytest.mark.django_db
def test_rolled_back_creation_returns_its_number():
    first = sample_ticket()
    with pytest.raises(RuntimeError), transaction.atomic():
        sample_ticket()
        raise RuntimeError("creation failed after numbering")
    second = sample_ticket()
    assert (first.number, second.number) == ("SMP0000001", "SMP0000002")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creators_get_distinct_gap_free_numbers():
    creators = 20
    _results, errors = run_concurrently(lambda: sample_ticket(title="Concurrent"), creators)
    assert errors == []
    numbers = sorted(SampleTicket.objects.values_list("number", flat=True))
    assert numbers == [f"SMP{n:07d}" for n in range(1, creators + 1)]
