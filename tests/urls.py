"""The project's URLs with the test-only sample ticket routes added to the `api` namespace."""

from django.urls import include, path

from itsm.api import urls as api_urls
from itsm.urls import handler403, handler404, handler500  # noqa: F401
from itsm.urls import urlpatterns as project_urlpatterns
from tests.sample.urls import urlpatterns as sample_urlpatterns

api_patterns = [*sample_urlpatterns, *api_urls.urlpatterns]
urlpatterns = [
    path("api/v1/", include((api_patterns, "api"))),
    *[p for p in project_urlpatterns if not str(p.pattern).startswith("api/")],
]
