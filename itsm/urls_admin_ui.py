"""Browser UI for administering users and teams, and the audit trail."""

from django.urls import path

from itsm.views import audit, teams, users

app_name = "itsm"

urlpatterns = [
    path("users/", users.user_list, name="user_list"),
    path("users/add/", users.user_edit, name="user_add"),
    path("users/<int:pk>/", users.user_detail, name="user"),
    path("users/<int:pk>/edit/", users.user_edit, name="user_edit"),
    path("teams/", teams.team_list, name="team_list"),
    path("teams/add/", teams.team_edit, name="team_add"),
    path("teams/<int:pk>/", teams.team_detail, name="team"),
    path("teams/<int:pk>/edit/", teams.team_edit, name="team_edit"),
    path("audit/", audit.auditevent_list, name="auditevent_list"),
]
