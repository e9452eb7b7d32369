"""Browser UI routes of Change Management and the CAB."""

from django.urls import path

from changes.views import approvals, cabs, calendar, detail, forms, lists, standard, typeahead, windows

app_name = "changes"

urlpatterns = [
    path("", lists.change_list, name="change_list"),
    path("add/", forms.change_add, name="change_add"),
    path("preview/", forms.change_preview, name="change_preview"),
    path("cis/", typeahead.ci_search, name="ci_search"),
    path("standard/", forms.template_list, name="template_list"),
    path("standard/<int:pk>/raise/", forms.template_raise, name="template_raise"),
    path("standard/templates/", standard.template_manage, name="template_manage"),
    path("standard/templates/add/", standard.template_edit, name="template_add"),
    path("standard/templates/<int:pk>/", standard.template_detail, name="template"),
    path("standard/templates/<int:pk>/edit/", standard.template_edit, name="template_edit"),
    path("standard/templates/<int:pk>/deactivate/", standard.template_deactivate, name="template_deactivate"),
    path("approvals/", approvals.approval_list, name="approval_list"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("cabs/", cabs.cab_list, name="cab_list"),
    path("cabs/add/", cabs.cab_edit, name="cab_add"),
    path("cabs/<int:pk>/", cabs.cab_detail, name="cab"),
    path("cabs/<int:pk>/edit/", cabs.cab_edit, name="cab_edit"),
    path("cabs/<int:pk>/agenda/", cabs.cab_agenda, name="cab_agenda"),
    path("windows/", windows.window_list, name="window_list"),
    path("windows/add/", windows.window_edit, name="window_add"),
    path("windows/<int:pk>/", windows.window_detail, name="window"),
    path("windows/<int:pk>/edit/", windows.window_edit, name="window_edit"),
    path("<int:pk>/", detail.change_detail, name="change"),
    path("<int:pk>/edit/", forms.change_edit, name="change_edit"),
    path("<int:pk>/comment/", detail.change_comment, name="change_comment"),
    path("<int:pk>/risk/", detail.change_risk, name="change_risk"),
    path("<int:pk>/conflicts/", detail.change_conflicts, name="change_conflicts"),
    path("<int:pk>/vote/", approvals.change_vote, name="change_vote"),
    path("<int:pk>/transition/<slug:name>/", detail.change_transition, name="change_transition"),
]
