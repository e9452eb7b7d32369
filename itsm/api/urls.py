"""REST API v1 routes. One line per model; each app adds its own router lines here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from changes.api.views import ApprovalViewSet, CABViewSet, ChangeTemplateViewSet, ChangeViewSet, ChangeWindowViewSet
from cmdb.api.views import CIBaselineViewSet, CIClassViewSet, CIImportJobViewSet, CIRelationshipViewSet, CIViewSet
from incidents.api.views import CategoryViewSet, IncidentViewSet
from itsm.api.users import AuditEventViewSet, TeamViewSet, TokenView, UserViewSet
from slm.api.recompute import SLARecomputeJobViewSet
from slm.api.reports import SLAComplianceView
from slm.api.views import AgreementViewSet, CalendarViewSet, EscalationViewSet, ServiceViewSet, SLAClockViewSet

app_name = "api"

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("audit-events", AuditEventViewSet, basename="auditevent")
router.register("ci-classes", CIClassViewSet, basename="ciclass")
router.register("cis", CIViewSet, basename="configurationitem")
router.register("ci-relationships", CIRelationshipViewSet, basename="cirelationship")
router.register("ci-baselines", CIBaselineViewSet, basename="cibaseline")
router.register("ci-import-jobs", CIImportJobViewSet, basename="ciimportjob")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("services", ServiceViewSet, basename="service")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("sla-clocks", SLAClockViewSet, basename="slaclock")
router.register("escalations", EscalationViewSet, basename="slathreshold")
router.register("sla-recompute-jobs", SLARecomputeJobViewSet, basename="slarecomputejob")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("incident-categories", CategoryViewSet, basename="category")
router.register("changes", ChangeViewSet, basename="change")
router.register("change-approvals", ApprovalViewSet, basename="approval")
router.register("cabs", CABViewSet, basename="cab")
router.register("change-windows", ChangeWindowViewSet, basename="changewindow")
router.register("change-templates", ChangeTemplateViewSet, basename="changetemplate")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("reports/sla-compliance/", SLAComplianceView.as_view(), name="sla-compliance"),
    path("", include(router.urls)),
]
