"""Agent UI routes of Incident Management."""

from django.urls import path

from incidents.views import detail, forms, notifications, queues, typeahead

app_name = "incidents"

urlpatterns = [
    path("", queues.incident_list, name="incident_list"),
    path("add/", forms.incident_add, name="incident_add"),
    path("bulk-assign/", queues.incident_bulk_assign, name="incident_bulk_assign"),
    path("callers/", typeahead.caller_search, name="caller_search"),
    path("cis/", typeahead.ci_search, name="ci_search"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notification_read, name="notification_read"),
    path("<int:pk>/", detail.incident_detail, name="incident"),
    path("<int:pk>/edit/", forms.incident_edit, name="incident_edit"),
    path("<int:pk>/comment/", detail.incident_comment, name="incident_comment"),
    path("<int:pk>/transition/<slug:name>/", detail.incident_transition, name="incident_transition"),
]
