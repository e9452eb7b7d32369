"""Routes of the sample ticket API (joined to the project's `api` namespace in tests/urls.py)."""

from rest_framework.routers import SimpleRouter

from tests.sample.api import SampleTicketViewSet

router = SimpleRouter()
router.register("sample-tickets", SampleTicketViewSet, basename="sampleticket")
urlpatterns = router.urls
