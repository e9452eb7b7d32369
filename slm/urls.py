"""Service Level Management browser UI routes: the service catalog, business calendars and agreements."""

from django.urls import path

from slm.views import agreements, calendars, dashboard, services

app_name = "slm"

urlpatterns = [
    path("dashboard/", dashboard.sla_dashboard_page, name="dashboard"),
    path("dashboard/export/", dashboard.sla_dashboard_export, name="dashboard_export"),
    path("dashboard/print/", dashboard.sla_dashboard_print, name="dashboard_print"),
    path("services/", services.service_list, name="service_list"),
    path("services/add/", services.service_edit, name="service_add"),
    path("services/<int:pk>/", services.service_detail, name="service"),
    path("services/<int:pk>/edit/", services.service_edit, name="service_edit"),
    path("calendars/", calendars.calendar_list, name="calendar_list"),
    path("calendars/add/", calendars.calendar_edit, name="calendar_add"),
    path("calendars/holidays/fill/", calendars.holidays_fill, name="calendar_holidays_fill"),
    path("calendars/holidays/import/", calendars.holidays_import, name="calendar_holidays_import"),
    path("calendars/holidays/subdivisions/", calendars.holiday_subdivisions, name="calendar_holiday_subdivisions"),
    path("calendars/<int:pk>/", calendars.calendar_detail, name="calendar"),
    path("calendars/<int:pk>/edit/", calendars.calendar_edit, name="calendar_edit"),
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/add/", agreements.agreement_edit, name="agreement_add"),
    path("agreements/escalations/", agreements.agreement_escalations, name="agreement_escalations"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/edit/", agreements.agreement_edit, name="agreement_edit"),
]
