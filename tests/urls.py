"""The project's URLs plus the test-only sample ticket API."""

from django.urls import include, path

from itsm.urls import handler403, handler404, handler500, urlpatterns as project_urlpatterns  # noqa: F401

urlpatterns = [path("api/v1/", include("tests.sample.urls")), *project_urlpatterns]
