"""The agent's in-app notifications, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from itsm.models.outbox import Notification

LIMIT = 100


@login_required
def notification_list(request):
    """The user's latest notifications, unread first marked."""
    notifications = list(Notification.objects.restrict(request.user)[:LIMIT])
    return render(request, "incidents/notification_list.html", {"notifications": notifications})


@login_required
@require_POST
def notification_read(request):
    """Mark one notification (by id) or all of the user's notifications read."""
    unread = Notification.objects.restrict(request.user).filter(read_at__isnull=True)
    if request.POST.get("id"):
        unread = unread.filter(pk=request.POST["id"])
    unread.update(read_at=timezone.now())
    return redirect("incidents:notification_list")
