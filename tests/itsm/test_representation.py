"""The compiled read side of serializers (itsm.api.representation) gives exactly DRF's own output."""

import datetime as dt
import zoneinfo

import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from changes.api.serializers import ChangeSerializer
from changes.models import Change
from cmdb.api.serializers import CISerializer
from cmdb.models import ConfigurationItem
from incidents.api.serializers import IncidentSerializer
from incidents.models import Incident
from itsm.api.serializers import ItsmModelSerializer
from slm.models import Service, SLAClock
from tests.changes.factories import make_change
from tests.incidents.test_api_list import fully_related_incident
from tests.itsm.factories import TeamFactory
from tests.slm.test_sla import agreement


def drf_representation(serializer, instance) -> dict:
    """What DRF's own Serializer.to_representation gives, nested serializers included."""
    original = ItsmModelSerializer.to_representation
    ItsmModelSerializer.to_representation = serializers.Serializer.to_representation
    try:
        return serializer.to_representation(instance)
    finally:
        ItsmModelSerializer.to_representation = original


def request():
    return Request(RequestFactory().get("/api/v1/"))


def both(serializer_class, instance) -> tuple[dict, dict]:
    compiled = serializer_class(instance, context={"request": request()}).data
    reference = drf_representation(serializer_class(context={"request": request()}), instance)
    return compiled, reference


@pytest.fixture
def incident(db):
    team, service = TeamFactory(), Service.objects.create(name="Printing")
    agreement(service)
    return fully_related_incident(team, service)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Sao_Paulo"])
def test_an_incident_with_every_relation_renders_as_drf_renders_it(incident, zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        compiled, reference = both(IncidentSerializer, Incident.objects.get(pk=incident.pk))
    assert compiled == reference
    assert compiled["sla"] and compiled["configuration_items"] and compiled["requester"]["display"] == "Ann Lee"
    clocks = {clock.pk: str(clock) for clock in SLAClock.objects.filter(object_id=incident.pk)}
    assert {row["id"]: row["display"] for row in compiled["sla"]} == clocks
    local = incident.reported_at.astimezone(zoneinfo.ZoneInfo(zone)).isoformat()
    assert compiled["reported_at"] == (local.replace("+00:00", "Z") if zone == "UTC" else local)


def test_nulls_deferred_fields_and_other_models_render_as_drf_renders_them(incident):
    bare = Incident.objects.only("id", "number", "title").get(pk=incident.pk)  # the rest loads on access
    compiled, reference = both(IncidentSerializer, bare)
    assert compiled == reference and compiled["description"] == incident.description
    change = make_change(title="Swap the core switch")
    Change.objects.filter(pk=change.pk).update(planned_start=dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC))
    for serializer_class, instance in [
        (ChangeSerializer, Change.objects.get(pk=change.pk)),
        (CISerializer, ConfigurationItem.objects.filter(pk__in=incident.configuration_items.all())[0]),
    ]:
        compiled, reference = both(serializer_class, instance)
        assert compiled == reference


def test_fields_are_built_once_per_class_and_each_instance_gets_its_own(incident):
    first, second = IncidentSerializer(), IncidentSerializer()
    assert list(first.fields) == list(second.fields) == IncidentSerializer.Meta.fields
    assert first.fields["requester"] is not second.fields["requester"]
    assert first.fields["configuration_items"].child_relation is not second.fields["configuration_items"].child_relation
    assert second.fields["requester"].parent is second
