"""Factories of the CMDB."""

import factory

from cmdb.models import CIClass, CIRelationship, ConfigurationItem

# A server class schema used by the view tests (typed, with a required attribute and a label).
SERVER_SCHEMA = [
    {"name": "ip_address", "type": "string", "required": True, "label": "IP address"},
    {"name": "ram_gb", "type": "integer"},
    {"name": "os", "type": "choice", "choices": ["Debian 12", "RHEL 9"]},
    {"name": "virtual", "type": "boolean"},
    {"name": "commissioned", "type": "date"},
]


class CIClassFactory(factory.django.DjangoModelFactory):
    """A CI class (no attributes unless given)."""

    class Meta:
        model = CIClass

    name = factory.Sequence(lambda n: f"Class {n}")
    slug = factory.Sequence(lambda n: f"class-{n}")
    attribute_schema = factory.LazyFunction(list)


class CIFactory(factory.django.DjangoModelFactory):
    """A configuration item."""

    class Meta:
        model = ConfigurationItem

    name = factory.Sequence(lambda n: f"ci-{n:05d}")
    ci_class = factory.SubFactory(CIClassFactory)


class RelationshipFactory(factory.django.DjangoModelFactory):
    """source <type> target."""

    class Meta:
        model = CIRelationship

    source = factory.SubFactory(CIFactory)
    target = factory.SubFactory(CIFactory)
    type = "depends_on"
