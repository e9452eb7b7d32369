"""Ticket numbers: prefix + 7 digits, never duplicated, gap-free even under concurrent creators."""

import threading

import pytest
from django.db import connection, transaction

from itsm.services.numbering import number_next
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
    barrier = threading.Barrier(creators)
    errors = []

    def create():
        try:
            barrier.wait(timeout=30)
            sample_ticket(title="Concurrent")
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(creators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    numbers = sorted(SampleTicket.objects.values_list("number", flat=True))
    assert numbers == [f"SMP{n:07d}" for n in range(1, creators + 1)]
