from django.apps import AppConfig


class SampleConfig(AppConfig):
    """Test-only app: a concrete TicketModel with a workflow and an API."""

    name = "tests.sample"
    label = "sample"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "sampleticket": {
            "requester": "va",
            "agent": "vac",
            "manager": "vac",
            "auditor": "v",
            "admin": "vacd",
        }
    }
