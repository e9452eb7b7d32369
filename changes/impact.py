"""Impact of a change: its CIs and everything their failure impacts (CMDB impact), and the services among them.

The walk follows the CMDB's impact rules (`cmdb.selectors`: "A <type> B" means a failure of B impacts A;
`connects_to` goes both ways), started from all of a change's CIs at once, in one recursive query.

It differs from `ci_impact`'s query in two ways, both for speed on large estates (bench/README.md, issue 6):
rows are CI ids alone, so the recursive `UNION` visits each CI once (`ci_impact` keeps (CI, depth) pairs, and a
CI reached at several depths is expanded again each time: 5-10x the work from 20 CIs at once); and on
PostgreSQL each step is two index lookups (LATERAL `UNION ALL`) instead of a `BitmapOr` with heap rechecks;
both are index-only once the CMDB has the partial `connects_to` index of bench/README.md. A CI visited
once needs no depth cap to end cycles, so there is none: the walk is capped like `ci_impact` by size, at
10,000 CIs, nearest first (breadth first; PostgreSQL and SQLite stop the recursion when the `LIMIT` is met).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from cmdb.choices import RelationshipTypeChoices
from cmdb.models import CIRelationship, ConfigurationItem
from cmdb.selectors import DEFAULT_LIMIT, DEPENDENCIES, IMPACT
from itsm.audit import m2m_set
from slm.choices import ServiceStatusChoices
from slm.models import Service

# Per direction: (column matched against the walk, column giving the next CI) for every relationship, then the
# same for connects_to relationships read the other way round.
_COLUMNS = {
    IMPACT: (("target_id", "source_id"), ("source_id", "target_id")),
    DEPENDENCIES: (("source_id", "target_id"), ("target_id", "source_id")),
}


def _walk_sql(direction: str, seeds: int, *, services: bool) -> str:
    (key, out), (back_key, back_out) = _COLUMNS[direction]
    rel = connection.ops.quote_name(CIRelationship._meta.db_table)
    table = connection.ops.quote_name(ConfigurationItem._meta.db_table)
    if connection.vendor == "postgresql":
        step = f"""SELECT n.ci_id FROM walk CROSS JOIN LATERAL (
            SELECT r.{out} AS ci_id FROM {rel} r WHERE r.{key} = walk.ci_id
            UNION ALL
            SELECT r.{back_out} FROM {rel} r WHERE r.{back_key} = walk.ci_id AND r.type = %(connects)s
        ) n"""
    else:  # SQLite has no LATERAL; its OR optimisation probes both indexes.
        step = f"""SELECT CASE WHEN r.{key} = walk.ci_id THEN r.{out} ELSE r.{back_out} END
            FROM walk JOIN {rel} r ON r.{key} = walk.ci_id OR (r.type = %(connects)s AND r.{back_key} = walk.ci_id)"""
    placeholders = ", ".join(f"%(seed{i})s" for i in range(seeds))
    walk = f"""WITH RECURSIVE walk(ci_id) AS (
        SELECT id FROM {table} WHERE id IN ({placeholders})
        UNION
        {step}
    )"""
    if not services:
        return f"{walk} SELECT ci_id, NULL, NULL, NULL FROM walk LIMIT %(fetch)s"
    # The services of the walked CIs come with it: no second query carrying up to 10,000 ids back.
    service = connection.ops.quote_name(Service._meta.db_table)
    return f"""{walk}, hit AS (SELECT ci_id FROM walk LIMIT %(fetch)s)
    SELECT hit.ci_id, s.id, s.name, c.criticality
    FROM hit
    LEFT JOIN {service} s ON s.ci_id = hit.ci_id AND s.status <> %(retired)s
    LEFT JOIN {table} c ON c.id = s.ci_id"""


@dataclass(frozen=True)
class ImpactedService:
    """A service reached by the walk, with the criticality of the CI that represents it."""

    pk: int
    name: str
    criticality: str


def _walk(ci_ids: Iterable[int], direction: str, *, services: bool = False):
    seeds = sorted({int(pk) for pk in ci_ids})
    if not seeds:
        return set(), False, []
    params = {f"seed{i}": pk for i, pk in enumerate(seeds)}
    params.update(
        fetch=DEFAULT_LIMIT,
        connects=RelationshipTypeChoices.CONNECTS_TO.value,
        retired=ServiceStatusChoices.RETIRED.value,
    )
    with connection.cursor() as cursor:
        cursor.execute(_walk_sql(direction, len(seeds), services=services), params)
        rows = cursor.fetchall()
    reached = {row[0] for row in rows}
    found = sorted(
        {ImpactedService(pk, name, criticality) for _ci, pk, name, criticality in rows if pk is not None},
        key=lambda s: (s.name, s.pk),
    )
    # At the cap the walk stopped: there may be more (or exactly as many) CIs beyond it.
    return reached, len(reached) >= DEFAULT_LIMIT, found


def ci_walk(ci_ids: Iterable[int], *, direction: str = IMPACT) -> tuple[set[int], bool]:
    """The CIs and every CI reached from them in `direction`, in one query; (ids, whether the cap was hit)."""
    reached, truncated, _services = _walk(ci_ids, direction)
    return reached, truncated


def impacted_cis(ci_ids: Iterable[int]) -> set[int]:
    """The CIs and everything their failure impacts (capped at 10,000 CIs, nearest first)."""
    return ci_walk(ci_ids, direction=IMPACT)[0]


def upstream_cis(ci_ids: Iterable[int]) -> set[int]:
    """The CIs and everything they depend on: the CIs whose failure (or change) would impact them."""
    return ci_walk(ci_ids, direction=DEPENDENCIES)[0]


@dataclass(frozen=True)
class ChangeImpact:
    """What a set of CIs reaches: the CIs plus what their failure impacts (`impacted`), and those services.

    Computed once and handed to the risk and conflict checks, which would otherwise walk the graph each.
    """

    ci_ids: frozenset[int]
    impacted: frozenset[int]
    truncated: bool
    services: tuple[ImpactedService, ...]


def change_impact(ci_ids: Iterable[int]) -> ChangeImpact:
    """The impact of a (possibly unsaved) change's CIs and the services it reaches, in one query."""
    ci_ids = frozenset(int(pk) for pk in ci_ids)
    impacted, truncated, services = _walk(ci_ids, IMPACT, services=True)
    return ChangeImpact(ci_ids, frozenset(impacted), truncated, tuple(services))


def impacted_services_for(ci_ids: Iterable[int]) -> list[Service]:
    """The services (not retired) a failure of these CIs would impact: those whose CI is among the CIs' impact."""
    ids = [service.pk for service in change_impact(ci_ids).services]
    return list(Service.objects.filter(pk__in=ids).order_by("name", "pk")) if ids else []


def change_impact_refresh(*, change) -> ChangeImpact:
    """Recompute `change.impacted_services` from its CIs (audited as one m2m change); returns the impact.

    The caller's audit context (the service writing the change) attributes the event.
    """
    impact = change_impact(change.configuration_items.values_list("pk", flat=True))
    m2m_set(change, "impacted_services", [service.pk for service in impact.services])
    return impact
