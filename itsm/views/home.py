"""Home page per role: the user's profile, their teams and activity for staff, an overview for administrators."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from itsm import roles
from itsm.models import AuditEvent, Team, User
from itsm.views.audit import describe_changes

RECENT_EVENTS = 10


@login_required
def home(request):
    """The signed-in user's home page."""
    user = request.user
    context = {
        "teams": user.teams.select_related("manager").order_by("name"),
        "is_staff_member": user.is_staff_member,
        "is_admin": user.has_role(roles.ADMIN),
    }
    if context["is_staff_member"]:
        context["team_details"] = (
            Team.objects.restrict(user, "view")
            .filter(members=user)
            .select_related("manager")
            .prefetch_related("members")
            .order_by("name")
        )
        my_events = AuditEvent.objects.restrict(user, "view").filter(actor=user)[:RECENT_EVENTS]
        context["my_events"] = describe_changes(my_events, user)
    if context["is_admin"]:
        context.update(admin_overview(request))
    return render(request, "home.html", context)


def admin_overview(request) -> dict:
    """User counts per role and by status, accounts locked out now, and the latest audit events."""
    users = User.objects.restrict(request.user, "view")
    latest_events = AuditEvent.objects.restrict(request.user, "view")[:RECENT_EVENTS]
    per_role = dict(
        users.filter(groups__name__in=roles.ROLES)
        .order_by()
        .values_list("groups__name")
        .annotate(total=Count("pk", distinct=True))
    )
    status = users.aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False))
    )
    return {
        "role_counts": [(slug, label, per_role.get(slug, 0)) for slug, label in roles.ROLE_LABELS.items()],
        "active_users": status["active"],
        "inactive_users": status["inactive"],
        "locked_usernames": locked_usernames(request),
        "latest_events": describe_changes(latest_events, request.user),
    }


def locked_usernames(request) -> list[str]:
    """Usernames that django-axes refuses right now (failure limit reached within the cool-off period)."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off(request)
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return sorted(set(attempts.exclude(username=None).values_list("username", flat=True)))
