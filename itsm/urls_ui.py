"""Browser UI routes of the core: sign-in, home, users, teams, audit trail."""

from django.urls import include, path

from itsm.views import auth, home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", auth.ItsmLoginView.as_view(), name="login"),
    path("accounts/logout/", auth.ItsmLogoutView.as_view(), name="logout"),
    path("", include("itsm.urls_admin_ui")),
    path("cmdb/", include("cmdb.urls")),
    path("incidents/", include("incidents.urls")),
    path("slm/", include("slm.urls")),
    path("changes/", include("changes.urls")),
    path("portal/", include("incidents.urls_portal")),
]
