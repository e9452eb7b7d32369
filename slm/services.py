"""SLM writes: the service catalog."""

from django.db import transaction

from itsm.audit_context import audit_context
from slm.models import Service

SERVICE_FIELDS = ("name", "description", "status", "owner_team", "ci")


def service_save(*, actor, service: Service | None = None, **fields) -> Service:
    """Create (service=None) or change a catalog service."""
    with transaction.atomic(), audit_context(actor=actor):
        service = Service() if service is None else Service.objects.select_for_update().get(pk=service.pk)
        for name, value in fields.items():
            if name in SERVICE_FIELDS:
                setattr(service, name, value)
        service.full_clean()
        service.save()
        return service
