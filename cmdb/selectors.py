"""CMDB reads: impact analysis over the relationship graph."""

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
# Dependencies (what a CI relies on) walk the other way round. The recursive step joins the relationship
# table directly (index lookups on (target, source) / (source, target, type)) rather than a derived edge
# list: a derived list made PostgreSQL hash-scan every relationship at every depth (bench/README.md).
_STEP = {
    IMPACT: (
        "CASE WHEN r.target_id = walk.ci_id THEN r.source_id ELSE r.target_id END",
        "r.target_id = walk.ci_id OR (r.type = %(connects)s AND r.source_id = walk.ci_id)",
    ),
    DEPENDENCIES: (
        "CASE WHEN r.source_id = walk.ci_id THEN r.target_id ELSE r.source_id END",
        "r.source_id = walk.ci_id OR (r.type = %(connects)s AND r.target_id = walk.ci_id)",
    ),
}

_WALK = """
WITH RECURSIVE walk(ci_id, depth) AS (
    SELECT CAST(%(start)s AS BIGINT), 0
    UNION
    SELECT {next_id}, walk.depth + 1
    FROM walk JOIN {rel} r ON {join}
    WHERE walk.depth < %(depth)s
)
SELECT ci_id, MIN(depth) AS depth FROM walk WHERE ci_id <> %(start)s
GROUP BY ci_id ORDER BY depth, ci_id LIMIT %(fetch)s
"""
# What the impact list and graph show of each CI; attributes and descriptions stay unread.
_SHOWN_FIELDS = ("name", "status", "environment", "criticality", "ci_class__name", "ci_class__slug")


def impact_sql(direction: str) -> str:
    """The recursive query of one direction (parameters: start, depth, fetch, connects)."""
    next_id, join = _STEP[direction]
    rel = connection.ops.quote_name(CIRelationship._meta.db_table)
    return _WALK.format(next_id=next_id, join=join, rel=rel)


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
    sql = impact_sql(direction)
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
    shown = ConfigurationItem.objects.select_related("ci_class").only(*_SHOWN_FIELDS)
    by_id = shown.in_bulk([ci_id for ci_id, _depth in rows])
    return [ImpactedCI(by_id[ci_id], depth) for ci_id, depth in rows if ci_id in by_id], truncated
