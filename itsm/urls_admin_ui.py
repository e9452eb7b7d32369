"""Browser UI for administering users and teams, and the audit trail."""

from django.urls import path

from itsm.views import admin_ui

app_name = "itsm"

urlpatterns = [
    path("users/", admin_ui.user_list, name="user_list"),
    path("teams/", admin_ui.team_list, name="team_list"),
    path("audit/", admin_ui.auditevent_list, name="auditevent_list"),
]
