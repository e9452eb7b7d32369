"""Shared filter behaviour: own-column multi-value filters are one IN condition, never OR chains or DISTINCT."""

import pytest

from tests.itsm.factories import TeamFactory


@pytest.mark.django_db
def test_own_column_filters_are_single_in_conditions():
    from cmdb.filtersets import CIFilterSet
    from cmdb.models import ConfigurationItem

    data = {"status": ["active", "retired"], "environment": ["test"], "owner_team": [TeamFactory().pk]}
    filterset = CIFilterSet(data, queryset=ConfigurationItem.objects.all())
    assert filterset.is_valid(), filterset.errors
    sql = str(filterset.qs.query)
    assert " OR " not in sql and "DISTINCT" not in sql and sql.count(" IN (") == 3
