"""Impact of a change: its CIs and everything their failure impacts (CMDB impact), and the services among them.

The walk follows the CMDB's impact rules (`cmdb.selectors`: "A <type> B" means a failure of B impacts A;
`connects_to` goes both ways), started from all of a change's CIs at once, in one recursive query.

It differs from `ci_impact`'s query in two ways, both for speed on large estates (bench/README.md, issue 6):
rows are CI ids alone (with the walk's tag), so the recursive `UNION` visits each CI once (`ci_impact` keeps
(CI, depth) pairs, and a CI reached at several depths is expanded again each time: 5-10x the work from 20 CIs
at once); and on
PostgreSQL each step is two index lookups (LATERAL `UNION ALL`) instead of a `BitmapOr` with heap rechecks;
both are index-only once the CMDB has the partial `connects_to` index of bench/README.md. A CI visited
once needs no depth cap to end cycles, so there is none: the walk is capped like `ci_impact` by size, at
10,000 CIs, nearest first (breadth first; PostgreSQL and SQLite stop the recursion when the `LIMIT` is met).

Several changes are walked in one query (`changes_impact`, for pages that check many changes): each row carries
the tag of the change it belongs to, so each change's CIs are visited once per change, as separate walks would.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

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
    """The walk from `seeds` (tag, CI) pairs; rows are (tag, CI reached, then the service columns or NULLs)."""
    (key, out), (back_key, back_out) = _COLUMNS[direction]
    rel = connection.ops.quote_name(CIRelationship._meta.db_table)
    table = connection.ops.quote_name(ConfigurationItem._meta.db_table)
    if connection.vendor == "postgresql":
        step = f"""SELECT walk.tag, n.ci_id FROM walk CROSS JOIN LATERAL (
            SELECT r.{out} AS ci_id FROM {rel} r WHERE r.{key} = walk.ci_id
            UNION ALL
            SELECT r.{back_out} FROM {rel} r WHERE r.{back_key} = walk.ci_id AND r.type = %(connects)s
        ) n"""
    else:  # SQLite has no LATERAL; its OR optimisation probes both indexes.
        step = f"""SELECT walk.tag, CASE WHEN r.{key} = walk.ci_id THEN r.{out} ELSE r.{back_out} END
            FROM walk JOIN {rel} r ON r.{key} = walk.ci_id OR (r.type = %(connects)s AND r.{back_key} = walk.ci_id)"""
    values = ", ".join(f"(%(tag{i})s, %(seed{i})s)" for i in range(seeds))
    walk = f"""WITH RECURSIVE seeds(tag, ci_id) AS (VALUES {values}),
    walk(tag, ci_id) AS (
        SELECT seeds.tag, c.id FROM seeds JOIN {table} c ON c.id = seeds.ci_id
        UNION
        {step}
    )"""
    if not services:
        return f"{walk} SELECT tag, ci_id, NULL, NULL, NULL FROM walk LIMIT %(fetch)s"
    # The services of the walked CIs come with it: no second query carrying up to 10,000 ids back.
    service = connection.ops.quote_name(Service._meta.db_table)
    return f"""{walk}, hit AS (SELECT tag, ci_id FROM walk LIMIT %(fetch)s)
    SELECT hit.tag, hit.ci_id, s.id, s.name, c.criticality
    FROM hit
    LEFT JOIN {service} s ON s.ci_id = hit.ci_id AND s.status <> %(retired)s
    LEFT JOIN {table} c ON c.id = s.ci_id"""


@dataclass(frozen=True)
class ImpactedService:
    """A service reached by the walk, with the criticality of the CI that represents it."""

    pk: int
    name: str
    criticality: str


@dataclass
class _Reach:
    cis: dict = field(default_factory=dict)  # CI id -> None: the CIs in the order the walk reached them
    services: set = field(default_factory=set)


def _walks(seeds_by_tag: dict[int, Iterable[int]], direction: str, *, services: bool = False):
    """One walk per tag, all in one query: {tag: (CIs reached, whether its cap was hit, services sorted)}.

    Each tag is capped at DEFAULT_LIMIT CIs (nearest first); the query fetches DEFAULT_LIMIT per tag in all, so
    when that total is met every tag is reported as possibly cut.
    """
    pairs = sorted({(int(tag), int(pk)) for tag, ci_ids in seeds_by_tag.items() for pk in ci_ids})
    reaches = {int(tag): _Reach() for tag in seeds_by_tag}
    rows = []
    if pairs:
        params = {f"tag{i}": tag for i, (tag, _pk) in enumerate(pairs)}
        params.update({f"seed{i}": pk for i, (_tag, pk) in enumerate(pairs)})
        fetch = DEFAULT_LIMIT * len({tag for tag, _pk in pairs})
        params.update(
            fetch=fetch, connects=RelationshipTypeChoices.CONNECTS_TO.value, retired=ServiceStatusChoices.RETIRED.value
        )
        with connection.cursor() as cursor:
            cursor.execute(_walk_sql(direction, len(pairs), services=services), params)
            rows = cursor.fetchall()
    for tag, ci_id, pk, name, criticality in rows:
        reach = reaches[tag]
        if ci_id not in reach.cis and len(reach.cis) < DEFAULT_LIMIT:
            reach.cis[ci_id] = None
        if pk is not None and ci_id in reach.cis:
            reach.services.add(ImpactedService(pk, name, criticality))
    all_cut = bool(pairs) and len({(tag, ci_id) for tag, ci_id, *_service in rows}) >= fetch
    return {
        tag: (
            set(reach.cis),
            all_cut or len(reach.cis) >= DEFAULT_LIMIT,
            sorted(reach.services, key=lambda s: (s.name, s.pk)),
        )
        for tag, reach in reaches.items()
    }


def ci_walk(ci_ids: Iterable[int], *, direction: str = IMPACT) -> tuple[set[int], bool]:
    """The CIs and every CI reached from them in `direction`, in one query; (ids, whether the cap was hit)."""
    reached, truncated, _services = _walks({0: ci_ids}, direction)[0]
    return reached, truncated


def impacted_cis(ci_ids: Iterable[int]) -> set[int]:
    """The CIs and everything their failure impacts (capped at 10,000 CIs, nearest first)."""
    return ci_walk(ci_ids, direction=IMPACT)[0]


def upstream_cis(ci_ids: Iterable[int]) -> set[int]:
    """The CIs and everything they depend on: the CIs whose failure (or change) would impact them."""
    return ci_walk(ci_ids, direction=DEPENDENCIES)[0]


def upstream_cis_of(ci_ids_by_key: dict[int, Iterable[int]]) -> dict[int, set[int]]:
    """`upstream_cis` of several sets of CIs (by key), in one query."""
    return {key: reached for key, (reached, _cut, _services) in _walks(ci_ids_by_key, DEPENDENCIES).items()}


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
    return changes_impact({0: ci_ids})[0]


def changes_impact(ci_ids_by_key: dict[int, Iterable[int]]) -> dict[int, ChangeImpact]:
    """`change_impact` of several changes (CI ids by any key, e.g. the change's id), in one query."""
    ci_ids_by_key = {key: frozenset(int(pk) for pk in ci_ids) for key, ci_ids in ci_ids_by_key.items()}
    walks = _walks(ci_ids_by_key, IMPACT, services=True)
    return {
        key: ChangeImpact(ci_ids, frozenset(walks[key][0]), walks[key][1], tuple(walks[key][2]))
        for key, ci_ids in ci_ids_by_key.items()
    }


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
