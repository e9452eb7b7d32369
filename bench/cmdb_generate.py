"""Generate a layered CMDB estate (default 100,000 CIs / 300,000 relationships), deterministic by seed.

    DJANGO_SETTINGS_MODULE=itsm.settings DATABASE_URL=postgres://itsm:itsm@127.0.0.1:5432/itsm_bench \\
        .venv/bin/python -m bench.cmdb_generate --cis 100000 --relationships 300000 --seed 1 --reset \\
        [--payload-out /tmp/estate.json] [--no-db]

Shape: business services contain applications; applications run on VMs (some on bare metal) and use
databases; databases run on VMs or bare metal; VMs run on hypervisor hosts; hosts use SAN storage and
top-of-rack switches; those use core switches, which use routers; every device depends on a rack, which a
datacenter contains. Routers and firewalls of a datacenter form a connects_to mesh (small cycles), a few
application triples and VM pairs depend on each other (tiny cycles), random cross links follow a fixed
order (so they add no cycles), and one integration platform of `--scc` applications ("mw-*", on its own
pool of VMs and databases) is a single big strongly connected component: the worst case for impact analysis.
"""

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

BATCH = 5000

VENDORS = ["Acme Software", "Globex", "Initech", "Umbrella IT", "Stark Systems", "Wayne Tech", "Hooli", "Soylent"]
CITIES = ["London", "Frankfurt", "Paris", "Amsterdam", "Dublin", "Madrid", "Milan", "Stockholm", "Warsaw", "Zurich"]
TEAM_BY_CLASS = {
    "business-service": "Service Desk",
    "application": "Applications",
    "database": "Database Administration",
    "virtual-machine": "Infrastructure",
    "physical-server": "Infrastructure",
    "storage": "Infrastructure",
    "load-balancer": "Network Operations",
    "firewall": "Security Operations",
    "switch": "Network Operations",
    "router": "Network Operations",
    "datacenter": "Acme Hosting (vendor)",
    "rack": "Acme Hosting (vendor)",
}


@dataclass
class Estate:
    """CIs as import rows, relationships as (source index, target index, type), and the big SCC's indices."""

    cis: list[dict] = field(default_factory=list)
    relationships: dict[tuple[int, int, str], None] = field(default_factory=dict)  # ordered set
    scc: list[int] = field(default_factory=list)
    cross_links: int = 0

    def link(self, source: int, target: int, kind: str) -> None:
        if source != target:
            self.relationships[(source, target, kind)] = None


def _ip(index: int, prefix: int = 10) -> str:
    return f"{prefix}.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


class _Generator:
    """Builds an Estate layer by layer; indices follow the layer order so cross links can be kept acyclic."""

    def __init__(self, *, cis: int, relationships: int, seed: int, scc: int):
        if cis < 1000:
            raise ValueError("--cis must be at least 1000")
        self.rng = random.Random(seed)
        self.target_relationships = relationships
        self.estate = Estate()
        n = cis
        self.dcs = max(2, n // 10_000)
        counts = {
            "rack": max(self.dcs * 10, n // 100),
            "router": max(self.dcs * 2, n // 500),
            "firewall": max(self.dcs, n // 1000),
            "load-balancer": max(self.dcs, n // 1000),
            "core": max(self.dcs * 2, n // 500),
            "storage": max(self.dcs, n // 500),
            "hypervisor": n * 6 // 100,
            "bare-metal": n * 4 // 100,
            "virtual-machine": n * 48 // 100,
            "database": n // 10,
            "application": n // 4,
        }
        counts["tor"] = max(counts["rack"], n // 50 - counts["core"])
        counts["business-service"] = n - self.dcs - sum(counts.values())
        self.counts = counts
        self.scc_size = min(scc, counts["application"] // 2)

    # --- CIs ------------------------------------------------------------------------------------------
    def _add(self, ci_class: str, name: str, attributes: dict) -> int:
        rng = self.rng
        status = rng.choices(
            ["active", "maintenance", "retired", "planned", "in_development"], weights=[90, 3, 2, 3, 2]
        )[0]
        environment = rng.choices(["production", "staging", "test", "development"], weights=[80, 10, 5, 5])[0]
        criticality = rng.choices(["high", "medium", "low"], weights=[20, 50, 30])[0]
        # Some CIs nobody owns yet, as in every real CMDB.
        team = TEAM_BY_CLASS[ci_class] if rng.random() >= 0.03 else None
        self.estate.cis.append(
            {
                "ci_class": ci_class,
                "name": name,
                "status": status,
                "environment": environment,
                "criticality": criticality,
                "owner_team": team,
                "description": "",
                "attributes": attributes,
            }
        )
        return len(self.estate.cis) - 1

    def _group(self, key: str, make) -> list[int]:
        return [make(i) for i in range(self.counts[key])]

    def _network(self, i: int, prefix: str) -> dict:
        rng = self.rng
        return {
            "management_ip": _ip(i, 172),
            "vendor": rng.choice(["Cisco", "Juniper", "Arista", "Palo Alto", "F5"]),
            "model": prefix.upper() + f"-{rng.randint(1, 9)}000",
            "firmware": f"{rng.randint(15, 23)}.{rng.randint(1, 9)}.{rng.randint(0, 20)}",
        }

    def _server(self, i: int, *, virtual: bool) -> dict:
        rng = self.rng
        attributes = {
            "os": rng.choice(["Debian 12", "RHEL 9", "Ubuntu 22.04", "Windows Server 2022"]),
            "cpu_cores": rng.choice([2, 4, 8, 16] if virtual else [16, 32, 64, 128]),
            "ram_gb": rng.choice([4, 8, 16, 32, 64] if virtual else [256, 512, 1024]),
            "ip_address": _ip(i),
        }
        if virtual:
            attributes["snapshot_policy"] = rng.choice(["none", "daily", "hourly"])
        else:
            attributes.update(
                serial_number=f"SN{i:08d}",
                model=rng.choice(["HPE ProLiant DL380 Gen11", "Dell PowerEdge R760", "Lenovo SR650 V3"]),
                warranty_ends=f"20{rng.randint(26, 31)}-{rng.randint(1, 12):02d}-28",
                hypervisor=False,
            )
        return attributes

    def build_cis(self) -> None:
        """Add every CI, in layer order: consumers first, infrastructure last (racks at the very end)."""
        rng, dcs = self.rng, self.dcs
        add = self._add
        self.services = self._group(
            "business-service",
            lambda i: add(
                "business-service",
                f"svc-{i:05d}",
                {
                    "sla_hours": rng.choice(["24x7", "Mon-Fri 07:00-19:00", "Mon-Sat 06:00-22:00"]),
                    "availability_target": rng.choice([99.0, 99.5, 99.9, 99.95]),
                    "customer_facing": rng.random() < 0.3,
                    "business_owner": f"Business owner {i % 97}",
                },
            ),
        )

        def application(i, name):
            return add(
                "application",
                name,
                {
                    "version": f"{rng.randint(1, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                    "vendor": rng.choice(VENDORS),
                    "licence": rng.choice(["commercial", "open source", "in-house"]),
                },
            )

        plain_apps = self.counts["application"] - self.scc_size
        # The big SCC's members come last among applications: forward cross links may enter it, never leave it.
        self.apps = [application(i, f"app-{i:05d}") for i in range(plain_apps)]
        self.estate.scc = [application(i, f"mw-{i:05d}") for i in range(self.scc_size)]
        self.databases = self._group(
            "database",
            lambda i: add(
                "database",
                f"db-{i:05d}",
                {
                    "engine": rng.choice(["PostgreSQL", "Oracle", "MySQL", "SQL Server"]),
                    "version": str(rng.randint(10, 19)),
                    "size_gb": rng.randint(1, 4000),
                    "replicated": rng.random() < 0.4,
                },
            ),
        )
        self.vm_dc = {}
        self.vms = []
        for i in range(self.counts["virtual-machine"]):
            dc = rng.randrange(dcs)
            index = add("virtual-machine", f"vm-dc{dc:02d}-{i:06d}", self._server(i, virtual=True))
            self.vm_dc[index] = dc
            self.vms.append(index)
        self.bare_metal = self._by_dc(
            "bare-metal",
            lambda i, dc: add("physical-server", f"srv-dc{dc:02d}-{i:05d}", self._server(100_000 + i, virtual=False)),
        )

        def hypervisor(i, dc):
            attributes = self._server(200_000 + i, virtual=False)
            attributes.update(os="ESXi 8", hypervisor=True, serial_number=f"HV{i:08d}")
            return add("physical-server", f"esx-dc{dc:02d}-{i:05d}", attributes)

        self.hypervisors = self._by_dc("hypervisor", hypervisor)
        self.storage = self._by_dc(
            "storage",
            lambda i, dc: add(
                "storage",
                f"san-dc{dc:02d}-{i:04d}",
                {
                    "vendor": rng.choice(["NetApp", "Pure Storage", "Dell EMC"]),
                    "model": "Array",
                    "capacity_tb": float(rng.choice([50, 100, 200, 400])),
                    "protocol": rng.choice(["iSCSI", "NFS", "Fibre Channel"]),
                },
            ),
        )
        self.balancers = self._by_dc(
            "load-balancer",
            lambda i, dc: add(
                "load-balancer", f"lb-dc{dc:02d}-{i:04d}", {**self._network(i, "lb"), "virtual_servers": 20}
            ),
        )
        self.firewalls = self._by_dc(
            "firewall",
            lambda i, dc: add(
                "firewall",
                f"fw-dc{dc:02d}-{i:04d}",
                {**self._network(10_000 + i, "fw"), "ha_mode": rng.choice(["active-passive", "active-active"])},
            ),
        )
        self.tors = self._by_dc(
            "tor",
            lambda i, dc: add(
                "switch",
                f"sw-dc{dc:02d}-tor-{i:04d}",
                {**self._network(20_000 + i, "sw"), "port_count": 48, "layer": "L2"},
            ),
        )
        self.cores = self._by_dc(
            "core",
            lambda i, dc: add(
                "switch",
                f"sw-dc{dc:02d}-core-{i:04d}",
                {**self._network(30_000 + i, "sw"), "port_count": 96, "layer": "L3"},
            ),
        )
        self.routers = self._by_dc(
            "router",
            lambda i, dc: add(
                "router", f"rtr-dc{dc:02d}-{i:04d}", {**self._network(40_000 + i, "rtr"), "bgp_asn": 64512 + dc}
            ),
        )
        self.datacenters = [
            add("datacenter", f"dc{dc:02d}", {"city": CITIES[dc % len(CITIES)], "tier": rng.choice(["III", "IV"])})
            for dc in range(dcs)
        ]
        self.racks = self._by_dc(
            "rack", lambda i, dc: add("rack", f"dc{dc:02d}-r{i:04d}", {"units": 42, "power_kw": 8.0})
        )

    def _by_dc(self, key: str, make) -> list[list[int]]:
        """Spread a group over the datacenters round-robin: result[dc] lists that datacenter's CIs."""
        by_dc = [[] for _ in range(self.dcs)]
        for i in range(self.counts[key]):
            dc = i % self.dcs
            by_dc[dc].append(make(i, dc))
        return by_dc

    # --- relationships --------------------------------------------------------------------------------
    def build_relationships(self) -> None:
        """Structural links first, then the big SCC and small cycles, then random forward cross links."""
        rng, link = self.rng, self.estate.link
        # The integration platform runs on its own VMs, hosts and databases; everything else shares the rest.
        pool = max(2, self.scc_size // 10)
        dc0_vms = [vm for vm in self.vms if self.vm_dc[vm] == 0]
        self.pool_vms = dc0_vms[:pool]
        pooled = set(self.pool_vms)
        self.plain_vms = [vm for vm in self.vms if vm not in pooled]
        self.pool_dbs, self.plain_dbs = self.databases[:pool], self.databases[pool:]
        pool_hosts = self.hypervisors[0][: max(1, pool // 10)]
        for dc in range(self.dcs):
            racks = self.racks[dc]
            # Network gear and storage live in their own racks (so a rack failure rarely takes a datacenter down).
            network_racks, storage_racks = racks[:2], racks[2:4]
            cluster_racks = racks[4:7] if dc == 0 else []
            compute_racks = racks[7:] if dc == 0 else racks[4:]
            for rack in racks:
                link(self.datacenters[dc], rack, "contains")
            tors_by_rack = {}
            cores, routers = self.cores[dc], self.routers[dc]
            for position, tor in enumerate(self.tors[dc]):
                rack = racks[position % len(racks)]
                tors_by_rack.setdefault(rack, []).append(tor)
                link(tor, rack, "depends_on")
                for core in rng.sample(cores, min(2, len(cores))):
                    link(tor, core, "uses")
            for position, core in enumerate(cores):
                link(core, rng.choice(network_racks), "depends_on")
                for router in rng.sample(routers, min(2, len(routers))):
                    link(core, router, "uses")
                if position % 2 == 1:
                    link(cores[position - 1], core, "connects_to")  # core pairs
            for position, router in enumerate(routers):
                link(router, rng.choice(network_racks), "depends_on")
                link(router, routers[(position + 1) % len(routers)], "connects_to")  # the datacenter's ring...
                link(router, rng.choice(routers), "connects_to")  # ...with chords
            for firewall in self.firewalls[dc]:
                link(firewall, rng.choice(network_racks), "depends_on")
                for router in rng.sample(routers, min(2, len(routers))):
                    link(firewall, router, "connects_to")
            for balancer in self.balancers[dc]:
                link(balancer, rng.choice(network_racks), "depends_on")
                for core in rng.sample(cores, min(2, len(cores))):
                    link(balancer, core, "uses")
            for array in self.storage[dc]:
                rack = rng.choice(storage_racks)
                link(array, rack, "depends_on")
                link(array, rng.choice(tors_by_rack.get(rack) or self.tors[dc]), "uses")
            for server in self.hypervisors[dc] + self.bare_metal[dc]:
                rack = rng.choice(cluster_racks if server in pool_hosts else compute_racks)
                link(server, rack, "depends_on")
                for tor in tors_by_rack.get(rack) or [rng.choice(self.tors[dc])]:
                    link(server, tor, "uses")
            for server in self.hypervisors[dc]:
                for array in rng.sample(self.storage[dc], min(2, len(self.storage[dc]))):
                    link(server, array, "uses")
        shared_hosts = [[h for h in hosts if h not in pool_hosts] for hosts in self.hypervisors]
        for vm in self.vms:
            link(vm, rng.choice(pool_hosts if vm in pooled else shared_hosts[self.vm_dc[vm]]), "runs_on")
        bare_metal = [server for servers in self.bare_metal for server in servers]
        for database in self.pool_dbs:
            link(database, rng.choice(self.pool_vms), "runs_on")
        for database in self.plain_dbs:
            link(database, rng.choice(self.plain_vms) if rng.random() < 0.7 else rng.choice(bare_metal), "runs_on")
        for app in self.estate.scc:
            for vm in rng.sample(self.pool_vms, min(len(self.pool_vms), rng.randint(1, 3))):
                link(app, vm, "runs_on")
            if rng.random() < 0.7:
                for database in rng.sample(self.pool_dbs, rng.randint(1, 2)):
                    link(app, database, "uses")
        for app in self.apps:
            for _ in range(rng.randint(1, 3)):
                link(app, rng.choice(self.plain_vms) if rng.random() < 0.85 else rng.choice(bare_metal), "runs_on")
            if rng.random() < 0.7:
                for database in rng.sample(self.plain_dbs, rng.randint(1, 2)):
                    link(app, database, "uses")
        all_apps = self.apps + self.estate.scc
        shuffled = all_apps[:]
        rng.shuffle(shuffled)
        for position, app in enumerate(shuffled):
            link(self.services[position % len(self.services)], app, "contains")
        for service in self.services:
            for app in rng.sample(all_apps, rng.randint(0, 3)):
                link(service, app, "contains")

        # The integration platform: a ring (so it is strongly connected) plus random chords (so it is shallow).
        scc = self.estate.scc
        for position, app in enumerate(scc):
            link(app, scc[(position + 1) % len(scc)], "uses")
            for other in rng.sample(scc, 2):
                link(app, other, "depends_on")
        for app in self.apps:
            if rng.random() < 0.2:
                link(app, rng.choice(scc), "uses")
        # Tiny cycles: application triples and VM pairs, in disjoint windows so they never merge.
        for start in range(0, len(self.apps) - 3, 60):
            a, b, c = self.apps[start : start + 3]
            link(a, b, "depends_on")
            link(b, c, "depends_on")
            link(c, a, "depends_on")
        for start in range(0, len(self.plain_vms) - 2, 200):
            a, b = self.plain_vms[start : start + 2]
            link(a, b, "depends_on")
            link(b, a, "depends_on")

        structural = len(self.estate.relationships)
        if structural > self.target_relationships:
            raise ValueError(
                f"the layered structure alone needs {structural} relationships; ask for at least that many"
            )
        self._cross_links()
        self.estate.cross_links = len(self.estate.relationships) - structural

    def _forward(self, group: list[int]) -> tuple[int, int]:
        """Two members of a group, in index order (forward links never close a cycle)."""
        a, b = self.rng.sample(group, 2)
        return (a, b) if a < b else (b, a)

    def _cross_links(self) -> None:
        rng, link, estate = self.rng, self.estate.link, self.estate
        all_apps = self.apps + estate.scc
        balancers = [b for group in self.balancers for b in group]
        kinds = ["app-app", "app-db", "vm-vm", "svc-svc", "app-lb", "db-db"]
        weights = [50, 23, 15, 2, 5, 5]
        attempts = 0
        while len(estate.relationships) < self.target_relationships:
            attempts += 1
            if attempts > 20 * self.target_relationships:
                raise RuntimeError("could not place enough distinct cross links; ask for fewer relationships")
            kind = rng.choices(kinds, weights)[0]
            if kind == "app-app":
                source = rng.choice(self.apps)  # never from the SCC: that would pull other apps into it
                target = rng.choice(all_apps)
                if source < target:
                    link(source, target, "uses")
            elif kind == "app-db":
                link(rng.choice(self.apps), rng.choice(self.plain_dbs), "depends_on")
            elif kind == "vm-vm":
                link(*self._forward(self.plain_vms), "depends_on")
            elif kind == "svc-svc":
                link(*self._forward(self.services), "depends_on")
            elif kind == "app-lb":
                link(rng.choice(all_apps), rng.choice(balancers), "uses")
            else:
                link(*self._forward(self.plain_dbs), "depends_on")


def generate(*, cis: int, relationships: int, seed: int, scc: int) -> Estate:
    """The whole estate in memory; the same arguments always give the same estate."""
    generator = _Generator(cis=cis, relationships=relationships, seed=seed, scc=scc)
    generator.build_cis()
    generator.build_relationships()
    return generator.estate


def impact_sccs(estate: Estate) -> list[int]:
    """Sizes of the strongly connected components (>1 node) of the impact graph, largest first (iterative Tarjan)."""
    size = len(estate.cis)
    neighbours = [[] for _ in range(size)]
    for source, target, kind in estate.relationships:
        neighbours[target].append(source)  # a failure of the target impacts the source
        if kind == "connects_to":
            neighbours[source].append(target)
    index_of = [-1] * size
    low = [0] * size
    on_stack = [False] * size
    stack, sizes, counter = [], [], 0
    for root in range(size):
        if index_of[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            descended = False
            edges = neighbours[node]
            while position < len(edges):
                nxt = edges[position]
                position += 1
                if index_of[nxt] == -1:
                    work.append((node, position))
                    work.append((nxt, 0))
                    descended = True
                    break
                if on_stack[nxt]:
                    low[node] = min(low[node], index_of[nxt])
            if descended:
                continue
            if low[node] == index_of[node]:
                members = 0
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    members += 1
                    if member == node:
                        break
                if members > 1:
                    sizes.append(members)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(sizes, reverse=True)


def payload(estate: Estate) -> dict:
    """The estate in the import API's shape: {"cis": [...], "relationships": [{"source", "target", "type"}]}."""
    keys = [{"ci_class": row["ci_class"], "name": row["name"]} for row in estate.cis]
    return {
        "cis": estate.cis,
        "relationships": [
            {"source": keys[source], "target": keys[target], "type": kind}
            for source, target, kind in estate.relationships
        ],
    }


def prepare_database(stdout) -> None:
    """The demo teams and CI classes the estate refers to (both loaders are idempotent), audited as a command."""
    from cmdb.demo import load_classes
    from itsm.audit_context import audit_context
    from itsm.demo import load_organisation

    with audit_context(source="command"):
        load_organisation(stdout)
        load_classes()


def reset_database() -> None:
    """Delete every CI and relationship (and, on PostgreSQL, whatever references them)."""
    from django.db import connection

    from cmdb.models import CIRelationship, ConfigurationItem

    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (CIRelationship, ConfigurationItem))
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    else:
        CIRelationship.objects.all()._raw_delete(CIRelationship.objects.db)
        ConfigurationItem.objects.all()._raw_delete(ConfigurationItem.objects.db)


def write_database(estate: Estate) -> None:
    """Insert the estate with bulk_create in batches (no audit events: this is test data, not a change)."""
    from django.db import connection, transaction

    from cmdb.models import CIClass, CIRelationship, ConfigurationItem
    from itsm.models import Team

    classes = {c.slug: c.pk for c in CIClass.objects.all()}
    teams = {t.name: t.pk for t in Team.objects.all()}
    ids: list[int] = []
    with transaction.atomic():
        for start in range(0, len(estate.cis), BATCH):
            batch = [
                ConfigurationItem(
                    ci_class_id=classes[row["ci_class"]],
                    name=row["name"],
                    status=row["status"],
                    environment=row["environment"],
                    criticality=row["criticality"],
                    owner_team_id=teams.get(row["owner_team"]),
                    description=row["description"],
                    attributes=row["attributes"],
                )
                for row in estate.cis[start : start + BATCH]
            ]
            ConfigurationItem.objects.bulk_create(batch)
            ids.extend(ci.pk for ci in batch)
        relationships = list(estate.relationships)
        for start in range(0, len(relationships), BATCH):
            CIRelationship.objects.bulk_create(
                [
                    CIRelationship(source_id=ids[source], target_id=ids[target], type=kind)
                    for source, target, kind in relationships[start : start + BATCH]
                ]
            )
    if connection.vendor == "postgresql":
        # What autovacuum would have done by the time anyone reads: planner statistics and the visibility map.
        with connection.cursor() as cursor:
            for model in (ConfigurationItem, CIRelationship):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def check_attributes(estate: Estate) -> int:
    """How many generated CIs fail their class schema (must be 0, or the import benchmark measures errors)."""
    from cmdb.demo import DEMO_CLASSES
    from cmdb.schema import validate_attributes

    own = {slug: (parent, schema) for slug, _name, parent, _description, schema in DEMO_CLASSES}

    def effective(slug):
        parent, schema = own[slug]
        return (effective(parent) if parent else []) + schema

    schemas = {slug: effective(slug) for slug in own}
    return sum(1 for row in estate.cis if validate_attributes(schemas[row["ci_class"]], row["attributes"])[1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cis", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scc", type=int, default=3000, help="applications in the one big strongly connected part")
    parser.add_argument("--payload-out", help="also write the estate as an import payload (JSON) to this file")
    parser.add_argument("--no-db", action="store_true", help="do not touch the database (with --payload-out)")
    parser.add_argument("--reset", action="store_true", help="delete every existing CI and relationship first")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    import django

    django.setup()

    started = time.perf_counter()
    try:
        estate = generate(cis=args.cis, relationships=args.relationships, seed=args.seed, scc=args.scc)
    except ValueError as exc:
        parser.error(str(exc))
    print(
        f"generated {len(estate.cis)} CIs, {len(estate.relationships)} relationships in "
        f"{time.perf_counter() - started:.1f} s"
    )
    print("  by class:", dict(Counter(row["ci_class"] for row in estate.cis).most_common()))
    print(f"  random cross links: {estate.cross_links}")
    print("  by type: ", dict(Counter(kind for _s, _t, kind in estate.relationships).most_common()))
    sccs = impact_sccs(estate)
    print(f"  impact-graph SCCs (>1 node): {len(sccs)}; largest: {sccs[:8]}")
    if invalid := check_attributes(estate):
        print(f"  {invalid} CIs do not match their class schema", file=sys.stderr)
        return 1

    if args.payload_out:
        started = time.perf_counter()
        with open(args.payload_out, "w", encoding="utf-8") as handle:
            json.dump(payload(estate), handle, separators=(",", ":"))
        megabytes = os.path.getsize(args.payload_out) / 2**20
        print(f"wrote {args.payload_out} ({megabytes:.1f} MiB) in {time.perf_counter() - started:.1f} s")

    if not args.no_db:
        from cmdb.models import ConfigurationItem

        prepare_database(sys.stdout)
        if args.reset:
            reset_database()
        elif ConfigurationItem.objects.exists():
            print("the database already holds CIs: pass --reset to replace them", file=sys.stderr)
            return 1
        started = time.perf_counter()
        write_database(estate)
        print(f"wrote the estate to the database in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
