"""Reminders before scheduled changes start: the right people, once per change (and per planned start)."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from changes.models import Change
from changes.services import change_reminders_send, change_update
from itsm.models import OutboxMessage
from itsm.testing.concurrency import run_concurrently
from tests.changes.factories import cab_members, make_cab, make_change
from tests.itsm.factories import TeamFactory, UserFactory


def scheduled_in(minutes: float, **fields) -> Change:
    start = timezone.now() + timedelta(minutes=minutes)
    return make_change(status="scheduled", planned_start=start, planned_end=start + timedelta(hours=1), **fields)


def reminded(change) -> set[int]:
    return set(
        OutboxMessage.objects.filter(event_key__startswith=f"change:{change.pk}:reminder").values_list(
            "recipient_id", flat=True
        )
    )


def test_the_beat_runs_the_task_every_few_minutes():
    entry = django_settings.CELERY_BEAT_SCHEDULE["changes-remind-upcoming"]
    assert entry["task"] == "changes.tasks.changes_remind_upcoming" and entry["schedule"] <= 600
    assert django_settings.ITSM_CHANGE_REMINDER_MINUTES > 0


@pytest.mark.django_db
def test_reminds_assignee_and_cab_once_within_the_lead_time():
    assignee, members = UserFactory(roles=["agent"]), cab_members(2)
    soon = scheduled_in(30, assignee=assignee, assignment_group=TeamFactory(members=[UserFactory()]))
    Change.objects.filter(pk=soon.pk).update(cab=make_cab(members=members))
    later = scheduled_in(120, assignee=assignee)
    not_scheduled = make_change(
        status="authorization", cab=make_cab(), planned_start=soon.planned_start, planned_end=soon.planned_end
    )
    assert change_reminders_send() == 1
    assert reminded(soon) == {assignee.pk, *(m.pk for m in members)}  # the assignee, not the whole team
    assert reminded(later) == set() and reminded(not_scheduled) == set()
    soon.refresh_from_db()
    assert soon.reminder_sent_at is not None and soon.version == 1  # bookkeeping, not an edit
    assert change_reminders_send() == 0
    assert OutboxMessage.objects.count() == 2 * 3  # e-mail + in-app for three people, sent once


@pytest.mark.django_db
def test_without_assignee_the_team_is_reminded_and_the_lead_time_is_configurable(settings):
    team_members = [UserFactory(), UserFactory()]
    change = scheduled_in(100, assignment_group=TeamFactory(members=team_members))
    assert change_reminders_send() == 0
    settings.ITSM_CHANGE_REMINDER_MINUTES = 120
    assert change_reminders_send() == 1
    assert reminded(change) == {u.pk for u in team_members}


@pytest.mark.django_db
def test_moving_the_start_earns_a_new_reminder(settings):
    assignee = UserFactory(roles=["agent"])
    change = scheduled_in(20, assignee=assignee)
    change_reminders_send()
    assert OutboxMessage.objects.count() == 2
    start = timezone.now() + timedelta(minutes=40)
    change = change_update(
        actor=UserFactory(roles=["change_manager"]),
        change=change,
        data={"planned_start": start, "planned_end": start + timedelta(hours=1)},
    )
    assert change.reminder_sent_at is None
    assert change_reminders_send() == 1 and OutboxMessage.objects.count() == 4


@pytest.mark.django_db
def test_the_task_runs_the_service():
    from changes.tasks import changes_remind_upcoming

    scheduled_in(10, assignee=UserFactory())
    assert changes_remind_upcoming.delay().get() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_remind_each_change_once():
    changes = [scheduled_in(15 + i, assignee=UserFactory()) for i in range(6)]
    results, errors = run_concurrently(change_reminders_send, threads=2)
    assert errors == [] and sum(results) == 6
    for change in changes:
        assert OutboxMessage.objects.filter(event_key__startswith=f"change:{change.pk}:reminder").count() == 2
