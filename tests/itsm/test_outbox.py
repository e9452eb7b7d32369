"""The notification outbox: once per event, only after commit, retried on SMTP failure, in-app channel."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from itsm.choices import OutboxChannelChoices
from itsm.models import Notification, OutboxMessage
from itsm.services.outbox import outbox_deliver_one, outbox_enqueue
from itsm.tasks import outbox_deliver_due
from tests.itsm.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_sent_after_commit_and_once_per_event():
    user = UserFactory(email="ann@example.test")
    with transaction.atomic():
        outbox_enqueue(event_key="incident:1:created", recipient=user, subject="Logged", body="We got it")
        assert mail.outbox == []  # nothing leaves before the commit
    assert [m.to for m in mail.outbox] == [["ann@example.test"]]
    outbox_enqueue(event_key="incident:1:created", recipient=user, subject="Logged", body="We got it")
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().status == "sent"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_sends_nothing():
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(event_key="e:rollback", recipient=user, subject="s", body="b")
        raise RuntimeError
    assert mail.outbox == [] and not OutboxMessage.objects.exists()


def queued_email(user, event_key):
    """A pending e-mail due now, written straight to the outbox (bypassing the kick after commit)."""
    return OutboxMessage.objects.create(
        event_key=event_key,
        channel="email",
        recipient=user,
        to_address=user.email,
        subject="s",
        body="b",
        next_attempt_at=timezone.now(),
    )


class FlakySMTP:
    """An e-mail backend whose server refuses the first `failures` messages."""

    failures = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakySMTP.failures > 0:
            FlakySMTP.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db
def test_smtp_failure_is_retried_with_backoff_then_sent(settings):
    settings.EMAIL_BACKEND = "tests.itsm.test_outbox.FlakySMTP"
    FlakySMTP.failures = 1
    mail.outbox = []
    user = UserFactory()
    message = queued_email(user, "k")
    assert outbox_deliver_one(message_id=message.pk) == "pending"
    message.refresh_from_db()
    assert message.attempts == 1 and "SMTPServerDisconnected" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert outbox_deliver_due() == 0  # not due yet
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox_deliver_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mail.outbox)) == ("sent", 2, 1)


@pytest.mark.django_db
def test_gives_up_after_max_attempts(settings):
    settings.EMAIL_BACKEND = "tests.itsm.test_outbox.FlakySMTP"
    settings.ITSM_OUTBOX_MAX_ATTEMPTS = 2
    FlakySMTP.failures = 5
    user = UserFactory()
    message = queued_email(user, "k2")
    outbox_deliver_one(message_id=message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_deliver_one(message_id=message.pk) == "failed"


@pytest.mark.django_db(transaction=True)
def test_in_app_channel_creates_a_notification():
    user = UserFactory()
    outbox_enqueue(
        event_key="n1",
        recipient=user,
        subject="Assigned to you",
        body="INC1",
        url="/x/",
        channels=(OutboxChannelChoices.IN_APP,),
    )
    (note,) = Notification.objects.filter(user=user)
    assert (note.title, note.url, note.read_at) == ("Assigned to you", "/x/", None)
