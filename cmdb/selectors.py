"""CMDB reads: impact analysis over the relationship graph, and the CI list queryset."""

from dataclasses import dataclass

from django.db import connection

from cmdb.choices import RelationshipTypeChoices
from cmdb.models import CIRelationship, ConfigurationItem

DEFAULT_DEPTH = 10
DEFAULT_LIMIT = 10_000
MAX_DEPTH = 50
MAX_LIMIT = 100_000

IMPACT = "impact"
DEPENDENCIES = "dependencies"

# "A <type> B": a failure of B impacts A, so impact walks target -> source; connects_to walks both ways.
# Dependencies (what a CI relies on) walk the other way round.
_EDGES = {
    IMPACT: """
        SELECT target_id AS from_id, source_id AS to_id FROM {rel}
        UNION ALL
        SELECT source_id, target_id FROM {rel} WHERE type = %(connects)s
    """,
    DEPENDENCIES: """
        SELECT source_id AS from_id, target_id AS to_id FROM {rel}
        UNION ALL
        SELECT target_id, source_id FROM {rel} WHERE type = %(connects)s
    """,
}

_WALK = """
WITH RECURSIVE edges(from_id, to_id) AS ({edges}),
walk(ci_id, depth) AS (
    SELECT CAST(%(start)s AS BIGINT), 0
    UNION
    SELECT edges.to_id, walk.depth + 1
    FROM walk JOIN edges ON edges.from_id = walk.ci_id
    WHERE walk.depth < %(depth)s
)
SELECT ci_id, MIN(depth) AS depth FROM walk WHERE ci_id <> %(start)s
GROUP BY ci_id ORDER BY depth, ci_id LIMIT %(fetch)s
"""


@dataclass(frozen=True)
class ImpactedCI:
    """A CI reached by the walk, at its smallest depth."""

    ci: ConfigurationItem
    depth: int


def ci_impact(
    *, ci: ConfigurationItem, direction: str = IMPACT, depth: int = DEFAULT_DEPTH, limit: int = DEFAULT_LIMIT
) -> tuple[list[ImpactedCI], bool]:
    """Breadth-first walk from `ci` in the database (recursive CTE, PostgreSQL and SQLite alike).

    Each CI appears once, at its smallest depth, nearest first; cycles end because a (CI, depth) pair is
    only produced once and depth is capped. Returns (impacted CIs, truncated) where truncated means more
    CIs than `limit` were reachable.
    """
    rel = connection.ops.quote_name(CIRelationship._meta.db_table)
    sql = _WALK.format(edges=_EDGES[direction].format(rel=rel))
    params = {
        "start": ci.pk,
        "depth": max(0, min(depth, MAX_DEPTH)),
        "fetch": max(0, min(limit, MAX_LIMIT)) + 1,
        "connects": RelationshipTypeChoices.CONNECTS_TO.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    truncated = len(rows) > limit
    rows = rows[:limit]
    by_id = ConfigurationItem.objects.select_related("ci_class").in_bulk([ci_id for ci_id, _depth in rows])
    return [ImpactedCI(by_id[ci_id], depth) for ci_id, depth in rows if ci_id in by_id], truncated


def ci_impacted_ids(*, ci_ids, direction: str = IMPACT, depth: int = DEFAULT_DEPTH) -> set[int]:
    """Every CI reached from any of `ci_ids` (the start CIs included), for services/changes touching several CIs."""
    reached = set(ci_ids)
    for ci in ConfigurationItem.objects.filter(pk__in=list(ci_ids)):
        impacted, _truncated = ci_impact(ci=ci, direction=direction, depth=depth, limit=MAX_LIMIT)
        reached.update(item.ci.pk for item in impacted)
    return reached
