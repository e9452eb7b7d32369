"""Bulk writes without model instances (COPY on PostgreSQL): values survive exactly, conflicts and ids behave."""

import datetime as dt

import pytest
from django.db import transaction

from itsm.audit import record_many
from itsm.bulk import insert_rows, update_rows
from itsm.models import AuditEvent, OutboxMessage, Team
from tests.itsm.factories import UserFactory

AWKWARD = 'tab\there, new\nline, carriage\rreturn, back\\slash, \\N, quote " and ünïcode'


@pytest.mark.django_db
def test_inserted_text_json_and_nulls_come_back_exactly():
    user = UserFactory()
    at = dt.datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=dt.UTC)
    rows = [
        {"event_key": f"bulk:{n}", "channel": "email", "recipient_id": user.pk, "to_address": "", "subject": AWKWARD}
        | {"body": AWKWARD * n, "url": "", "next_attempt_at": at}
        for n in range(3)
    ]
    assert insert_rows(OutboxMessage, rows) is None
    stored = list(OutboxMessage.objects.order_by("event_key").values("subject", "body", "status", "next_attempt_at"))
    assert stored == [
        {"subject": AWKWARD, "body": AWKWARD * n, "status": "pending", "next_attempt_at": at} for n in range(3)
    ]
    record_many([(user, "update", {"note": [None, AWKWARD], "nested": {"list": [1, None, "\\"]}})])
    assert AuditEvent.objects.get(object_type="itsm.user", action="update").changes == {
        "note": [None, AWKWARD],
        "nested": {"list": [1, None, "\\"]},
    }


@pytest.mark.django_db
def test_repeats_are_skipped_on_request_and_ids_come_back_in_order():
    user = UserFactory()
    row = {"channel": "in_app", "recipient_id": user.pk, "subject": "s", "body": "b", "url": ""}
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    insert_rows(OutboxMessage, [{"event_key": "one", "next_attempt_at": now, **row}])
    insert_rows(
        OutboxMessage,
        [{"event_key": key, "next_attempt_at": now, **row} for key in ("one", "two", "three")],
        ignore_conflicts=True,
    )
    assert sorted(OutboxMessage.objects.values_list("event_key", flat=True)) == ["one", "three", "two"]
    ids = insert_rows(Team, [{"name": f"Team {n}", "vendor": ""} for n in range(3)], with_ids=True)
    assert [Team.objects.get(pk=pk).name for pk in ids] == ["Team 0", "Team 1", "Team 2"]


@pytest.mark.django_db
def test_updates_with_different_columns_in_one_transaction():
    teams = [Team.objects.create(name=f"T{n}") for n in range(3)]
    with transaction.atomic():
        update_rows(Team, ["name"], [(team.pk, f"{AWKWARD} {team.pk}") for team in teams])
        update_rows(Team, ["vendor", "name"], [(teams[0].pk, "ACME", "First")])
    assert list(Team.objects.order_by("pk").values_list("name", "vendor")) == [
        ("First", "ACME"),
        (f"{AWKWARD} {teams[1].pk}", ""),
        (f"{AWKWARD} {teams[2].pk}", ""),
    ]
