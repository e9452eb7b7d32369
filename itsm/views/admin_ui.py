"""Users, teams and the audit trail in the browser."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def user_list(request):
    return HttpResponse("users")


@login_required
def team_list(request):
    return HttpResponse("teams")


@login_required
def auditevent_list(request):
    return HttpResponse("audit")
