"""Top-level URLs: UI per app, the REST API under /api/v1/, admin, auth."""

from django.contrib import admin
from django.urls import include, path

from itsm.views.health import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("", include("itsm.urls_ui")),
    path("api/v1/", include("itsm.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "itsm.views.errors.permission_denied"
handler404 = "itsm.views.errors.page_not_found"
handler500 = "itsm.views.errors.server_error"
