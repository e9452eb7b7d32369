"""Impact analysis (recursive CTE) checked against a plain breadth-first search on random graphs with cycles."""

import random
from collections import deque

import pytest

from cmdb.models import CIRelationship, ConfigurationItem
from cmdb.selectors import DEPENDENCIES, IMPACT, ci_impact
from tests.cmdb.factories import CIClassFactory

TYPES = ["depends_on", "runs_on", "uses", "connects_to", "contains"]


def oracle(edges, start, direction, max_depth):
    """Independent BFS: {ci: smallest depth} for everything reached from `start` (start excluded)."""
    neighbours = {}
    for source, target, kind in edges:
        forward = [(target, source)] if direction == IMPACT else [(source, target)]
        if kind == "connects_to":
            forward.append((source, target) if direction == IMPACT else (target, source))
        for a, b in forward:
            neighbours.setdefault(a, set()).add(b)
    seen, queue = {start: 0}, deque([start])
    while queue:
        node = queue.popleft()
        if seen[node] == max_depth:
            continue
        for nxt in neighbours.get(node, ()):
            if nxt not in seen:
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
    del seen[start]
    return seen


def random_graph(rng, nodes, edges):
    klass = CIClassFactory()
    cis = ConfigurationItem.objects.bulk_create([ConfigurationItem(name=f"n{i}", ci_class=klass) for i in range(nodes)])
    ids = [ci.pk for ci in cis]
    chosen = set()
    while len(chosen) < edges:
        source, target = rng.sample(ids, 2)
        chosen.add((source, target, rng.choice(TYPES)))
    CIRelationship.objects.bulk_create([CIRelationship(source_id=s, target_id=t, type=k) for s, t, k in chosen])
    return cis, sorted(chosen)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(8))
def test_matches_breadth_first_oracle_on_random_graphs_with_cycles(seed):
    rng = random.Random(seed)
    cis, edges = random_graph(rng, nodes=rng.randint(5, 60), edges=rng.randint(5, 150))
    for start in rng.sample(cis, 5):
        for direction in (IMPACT, DEPENDENCIES):
            depth = rng.choice([1, 2, 3, 10])
            impacted, truncated = ci_impact(ci=start, direction=direction, depth=depth, limit=10_000)
            got = {item.ci.pk: item.depth for item in impacted}
            assert got == oracle(edges, start.pk, direction, depth), (seed, start.pk, direction, depth)
            assert not truncated
            assert [item.depth for item in impacted] == sorted(item.depth for item in impacted)


@pytest.mark.django_db
def test_directions_follow_the_contract():
    klass = CIClassFactory()
    service, app, server, switch, rack = (
        ConfigurationItem.objects.create(name=n, ci_class=klass) for n in ["svc", "app", "srv", "sw", "rack"]
    )
    CIRelationship.objects.create(source=service, target=app, type="depends_on")
    CIRelationship.objects.create(source=app, target=server, type="runs_on")
    CIRelationship.objects.create(source=server, target=switch, type="connects_to")
    CIRelationship.objects.create(source=rack, target=server, type="contains")
    impact = {i.ci.name: i.depth for i in ci_impact(ci=server)[0]}
    # a server failure takes down its app, the service on it, the rack holding it, and its connected switch
    assert impact == {"app": 1, "rack": 1, "sw": 1, "svc": 2}
    assert {i.ci.name: i.depth for i in ci_impact(ci=switch)[0]} == {"srv": 1, "app": 2, "rack": 2, "svc": 3}
    deps = {i.ci.name: i.depth for i in ci_impact(ci=service, direction=DEPENDENCIES)[0]}
    assert deps == {"app": 1, "srv": 2, "sw": 3}


@pytest.mark.django_db
def test_limit_sets_truncated_and_keeps_the_nearest():
    klass = CIClassFactory()
    hub = ConfigurationItem.objects.create(name="hub", ci_class=klass)
    near = [ConfigurationItem.objects.create(name=f"near{i}", ci_class=klass) for i in range(3)]
    far = ConfigurationItem.objects.create(name="far", ci_class=klass)
    for ci in near:
        CIRelationship.objects.create(source=ci, target=hub, type="depends_on")
    CIRelationship.objects.create(source=far, target=near[0], type="depends_on")
    impacted, truncated = ci_impact(ci=hub, limit=3)
    assert truncated and {i.ci.name for i in impacted} == {"near0", "near1", "near2"}
    impacted, truncated = ci_impact(ci=hub, limit=4)
    assert not truncated and len(impacted) == 4
    impacted, _ = ci_impact(ci=hub, depth=0)
    assert impacted == []
