"""REST API v1 routes. One line per model; each app adds its own router lines here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from itsm.api.users import AuditEventViewSet, TeamViewSet, TokenView, UserViewSet

app_name = "api"

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("audit-events", AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
