"""The demo estate: a small, believable, fully wired set of CIs and their relationships."""

from dataclasses import dataclass, field

from cmdb.choices import CIStatusChoices, CriticalityChoices, EnvironmentChoices

ACTIVE, MAINTENANCE, RETIRED = CIStatusChoices.ACTIVE, CIStatusChoices.MAINTENANCE, CIStatusChoices.RETIRED
PRODUCTION, STAGING = EnvironmentChoices.PRODUCTION, EnvironmentChoices.STAGING
HIGH, MEDIUM, LOW = CriticalityChoices.HIGH, CriticalityChoices.MEDIUM, CriticalityChoices.LOW

INFRA, NETWORK, DBA, APPS = "Infrastructure", "Network Operations", "Database Administration", "Applications"
DESK, SECURITY, VENDOR = "Service Desk", "Security Operations", "Acme Hosting (vendor)"


@dataclass
class DemoCI:
    """One CI of the demo estate; names are unique across the whole demo, so relationships can use them alone."""

    ci_class: str
    name: str
    team: str
    description: str = ""
    status: str = ACTIVE
    environment: str = PRODUCTION
    criticality: str = MEDIUM
    attributes: dict = field(default_factory=dict)


def _estate() -> tuple[list[DemoCI], list[tuple[str, str, str]]]:
    """The demo CIs and their relationships as (source name, type, target name)."""
    cis: list[DemoCI] = []
    links: list[tuple[str, str, str]] = []

    def ci(ci_class, name, team, description="", **fields) -> str:
        attributes = fields.pop("attributes", {})
        cis.append(DemoCI(ci_class, name, team, description, attributes=attributes, **fields))
        return name

    def link(source, kind, *targets):
        links.extend((source, kind, target) for target in targets)

    # Facilities: two datacenters, each containing racks.
    sites = {"lon": ("London", "III", 4, "10.10"), "fra": ("Frankfurt", "IV", 3, "10.20")}
    racks = {}
    for site, (city, tier, rack_count, _net) in sites.items():
        dc = ci(
            "datacenter", f"DC {city}", VENDOR, f"Colocation site in {city}.", attributes={"city": city, "tier": tier}
        )
        racks[site] = []
        for number in range(1, rack_count + 1):
            rack = ci("rack", f"{site.upper()}1-R{number:02d}", VENDOR, attributes={"units": 42, "power_kw": 8.0})
            link(dc, "contains", rack)
            racks[site].append(rack)

    # Network: routers, core switches, a top-of-rack switch per rack, firewalls, load balancers.
    def device(ci_class, name, site, rack_index, ip_host, team=NETWORK, vendor="Cisco", model="", **extra):
        attributes = {"management_ip": f"{sites[site][3]}.0.{ip_host}", "vendor": vendor, "model": model, **extra}
        ci(ci_class, name, team, criticality=HIGH, attributes={k: v for k, v in attributes.items() if v != ""})
        link(name, "depends_on", racks[site][rack_index])
        return name

    routers = {
        "lon": [device("router", f"rtr-lon-0{n}", "lon", n - 1, n, model="ASR 1001-X", bgp_asn=64512) for n in (1, 2)],
        "fra": [device("router", "rtr-fra-01", "fra", 0, 1, model="ASR 1001-X", bgp_asn=64513)],
    }
    cores = {
        "lon": [
            device("switch", f"sw-lon-core-0{n}", "lon", n - 1, 10 + n, model="Nexus 9300", port_count=48, layer="L3")
            for n in (1, 2)
        ],
        "fra": [device("switch", "sw-fra-core-01", "fra", 0, 11, model="Nexus 9300", port_count=48, layer="L3")],
    }
    tors = {
        site: [
            device(
                "switch", f"sw-{site}-r{n:02d}", site, n - 1, 20 + n, model="Catalyst 9200", port_count=48, layer="L2"
            )
            for n in range(1, len(racks[site]) + 1)
        ]
        for site in sites
    }
    firewalls = {
        "lon": [
            device(
                "firewall",
                f"fw-lon-0{n}",
                "lon",
                n - 1,
                30 + n,
                SECURITY,
                "Palo Alto",
                "PA-3410",
                ha_mode="active-passive",
            )
            for n in (1, 2)
        ],
        "fra": [device("firewall", "fw-fra-01", "fra", 0, 31, SECURITY, "Palo Alto", "PA-3410", ha_mode="standalone")],
    }
    balancers = [
        device(
            "load-balancer", f"lb-lon-0{n}", "lon", n - 1, 40 + n, vendor="F5", model="BIG-IP i5800", virtual_servers=12
        )
        for n in (1, 2)
    ]
    # The mesh: every connects_to impacts both ways, so these make cycles on purpose (a WAN triangle, core pairs).
    link(routers["lon"][0], "connects_to", routers["lon"][1], routers["fra"][0])
    link(routers["lon"][1], "connects_to", routers["fra"][0])
    link(cores["lon"][0], "connects_to", cores["lon"][1])
    for site in sites:
        for core in cores[site]:
            link(core, "connects_to", *routers[site])
            link(core, "connects_to", *tors[site])
        for firewall in firewalls[site]:
            link(firewall, "connects_to", *routers[site])
    for balancer in balancers:
        link(balancer, "connects_to", *cores["lon"])

    # Storage arrays and hypervisor hosts, each host on its rack's switch and its site's SAN.
    sans = {
        "lon": ci(
            "storage",
            "san-lon-01",
            INFRA,
            "Primary SAN.",
            criticality=HIGH,
            attributes={"vendor": "NetApp", "model": "AFF A400", "capacity_tb": 180.0, "protocol": "Fibre Channel"},
        ),
        "fra": ci(
            "storage",
            "san-fra-01",
            INFRA,
            "Secondary SAN, replica target of san-lon-01.",
            criticality=HIGH,
            attributes={"vendor": "NetApp", "model": "AFF A250", "capacity_tb": 120.0, "protocol": "iSCSI"},
        ),
    }
    nas = ci(
        "storage",
        "nas-lon-01",
        INFRA,
        "File shares and backup landing zone.",
        attributes={"vendor": "Synology", "model": "RS4021xs+", "capacity_tb": 96.5, "protocol": "NFS"},
    )
    for site in sites:
        link(sans[site], "depends_on", racks[site][0])
        link(sans[site], "uses", tors[site][0])
    link(nas, "depends_on", racks["lon"][-1])
    link(nas, "uses", tors["lon"][-1])

    hosts = {}
    for site, count in (("lon", 4), ("fra", 3)):
        hosts[site] = []
        for n in range(1, count + 1):
            name = f"esx-{site}-{n:02d}"
            rack_index = (n - 1) % len(racks[site])
            status = MAINTENANCE if name == "esx-lon-04" else ACTIVE
            attributes = {
                "os": "ESXi 8",
                "cpu_cores": 64,
                "ram_gb": 1024,
                "ip_address": f"{sites[site][3]}.1.{n}",
                "serial_number": f"CZ{site.upper()}{4100 + n}",
                "model": "HPE ProLiant DL380 Gen11",
                "warranty_ends": "2029-03-31",
                "hypervisor": True,
            }
            ci(
                "physical-server",
                name,
                INFRA,
                "Hypervisor host.",
                status=status,
                criticality=HIGH,
                attributes=attributes,
            )
            link(name, "depends_on", racks[site][rack_index])
            link(name, "uses", tors[site][rack_index], sans[site])
            hosts[site].append(name)

    def physical(name, site, rack_index, ip, os, description):
        attributes = {
            "os": os,
            "cpu_cores": 32,
            "ram_gb": 512,
            "ip_address": ip,
            "serial_number": f"CZ{name.upper().replace('-', '')}",
            "model": "Dell PowerEdge R760",
            "warranty_ends": "2028-06-30",
            "hypervisor": False,
        }
        ci("physical-server", name, INFRA, description, criticality=HIGH, attributes=attributes)
        link(name, "depends_on", racks[site][rack_index])
        link(name, "uses", tors[site][rack_index], sans[site])
        return name

    db_hosts = [
        physical(f"dbsrv-lon-0{n}", "lon", n, f"10.10.2.{n}", "RHEL 9", "Oracle database host.") for n in (1, 2)
    ]
    backup_host = physical("bkp-fra-01", "fra", 2, "10.20.2.1", "Debian 12", "Backup server (Bareos director).")
    link(backup_host, "uses", nas)

    # Virtual machines: (name, site, os, cores, RAM, status, environment).
    vm_specs = [
        ("ad-dc-01", "lon", "Windows Server 2022", 4, 16),
        ("ad-dc-02", "fra", "Windows Server 2022", 4, 16),
        ("dns-01", "lon", "Debian 12", 2, 4),
        ("dns-02", "fra", "Debian 12", 2, 4),
        ("mail-lon-01", "lon", "Debian 12", 8, 32),
        ("mail-lon-02", "lon", "Debian 12", 8, 32),
        ("imap-lon-01", "lon", "Debian 12", 8, 64),
        ("webmail-01", "lon", "Debian 12", 4, 8),
        ("mail-db-01", "lon", "Debian 12", 4, 16),
        ("mail-old-01", "lon", "Windows Server 2022", 8, 32, RETIRED),
        ("pay-app-01", "lon", "RHEL 9", 8, 32),
        ("pay-app-02", "lon", "RHEL 9", 8, 32),
        ("pay-batch-01", "lon", "RHEL 9", 4, 16),
        ("pay-stg-01", "lon", "RHEL 9", 4, 16, ACTIVE, STAGING),
        ("vpn-lon-01", "lon", "Ubuntu 22.04", 4, 8),
        ("vpn-fra-01", "fra", "Ubuntu 22.04", 4, 8),
        ("radius-01", "lon", "Debian 12", 2, 4),
        ("web-lon-01", "lon", "Debian 12", 4, 8),
        ("web-lon-02", "lon", "Debian 12", 4, 8),
        ("web-lon-03", "lon", "Debian 12", 4, 8),
        ("web-fra-01", "fra", "Debian 12", 4, 8),
        ("shop-api-01", "lon", "Debian 12", 8, 16),
        ("shop-api-02", "fra", "Debian 12", 8, 16),
        ("shop-worker-01", "lon", "Debian 12", 4, 8),
        ("shop-db-01", "lon", "Debian 12", 16, 128),
        ("shop-db-02", "fra", "Debian 12", 16, 128),
        ("shop-cache-01", "lon", "Debian 12", 4, 32),
        ("web-stg-01", "lon", "Debian 12", 2, 4, ACTIVE, STAGING),
        ("hr-web-01", "lon", "Ubuntu 22.04", 4, 8),
        ("hr-app-01", "lon", "Ubuntu 22.04", 4, 16),
        ("hr-db-01", "lon", "Debian 12", 4, 32),
        ("monitor-01", "fra", "Debian 12", 4, 16),
        ("intranet-01", "lon", "Windows Server 2022", 4, 16, RETIRED),
    ]
    placed = {"lon": 0, "fra": 0}
    for spec in vm_specs:
        name, site, os, cores, ram = spec[:5]
        status = spec[5] if len(spec) > 5 else ACTIVE
        environment = spec[6] if len(spec) > 6 else PRODUCTION
        number = placed[site] = placed[site] + 1
        attributes = {
            "os": os,
            "cpu_cores": cores,
            "ram_gb": ram,
            "ip_address": f"{sites[site][3]}.10.{number}",
            "snapshot_policy": "none" if environment == STAGING else "daily",
        }
        criticality = LOW if environment == STAGING or status == RETIRED else MEDIUM
        ci(
            "virtual-machine",
            name,
            INFRA,
            status=status,
            environment=environment,
            criticality=criticality,
            attributes=attributes,
        )
        # Round-robin over the site's hosts, skipping the one in maintenance (its VMs were moved away).
        candidates = [h for h in hosts[site] if h != "esx-lon-04"]
        link(name, "runs_on", candidates[(number - 1) % len(candidates)])

    # Applications: (name, version, vendor, licence, team, servers it runs on, extra fields).
    def application(name, version, vendor, licence, team, servers, description="", **fields):
        attributes = {"version": version, "vendor": vendor, "licence": licence}
        if "support_ends" in fields:
            attributes["support_ends"] = fields.pop("support_ends")
        ci("application", name, team, description, attributes=attributes, **fields)
        link(name, "runs_on", *servers)
        return name

    ad = application(
        "Active Directory",
        "2022",
        "Microsoft",
        "commercial",
        INFRA,
        ["ad-dc-01", "ad-dc-02"],
        "Directory and authentication for staff accounts.",
        criticality=HIGH,
    )
    dns = application("BIND DNS", "9.18", "ISC", "open source", NETWORK, ["dns-01", "dns-02"], criticality=HIGH)
    monitoring = application("Zabbix", "7.0", "Zabbix", "open source", INFRA, ["monitor-01"], criticality=LOW)
    backup = application("Bareos Backup", "23.0", "Bareos", "open source", INFRA, [backup_host])
    link(monitoring, "uses", dns)
    link(backup, "uses", dns)

    postfix = application(
        "Postfix MTA", "3.7", "Postfix", "open source", APPS, ["mail-lon-01", "mail-lon-02"], criticality=HIGH
    )
    dovecot = application("Dovecot IMAP", "2.3", "Open-Xchange", "open source", APPS, ["imap-lon-01"], criticality=HIGH)
    roundcube = application("Roundcube Webmail", "1.6", "Roundcube", "open source", APPS, ["webmail-01"])
    exchange = application(
        "Exchange 2010",
        "14.3",
        "Microsoft",
        "commercial",
        APPS,
        ["mail-old-01"],
        "Replaced by Postfix/Dovecot.",
        status=RETIRED,
        criticality=LOW,
        support_ends="2020-10-13",
    )
    payroll = application(
        "PayFlow Payroll",
        "12.4",
        "PayFlow Systems",
        "commercial",
        APPS,
        ["pay-app-01", "pay-app-02"],
        criticality=HIGH,
        support_ends="2030-12-31",
    )
    payroll_batch = application("PayFlow Batch", "12.4", "PayFlow Systems", "commercial", APPS, ["pay-batch-01"])
    payroll_staging = application(
        "PayFlow Payroll (staging)",
        "12.5",
        "PayFlow Systems",
        "commercial",
        APPS,
        ["pay-stg-01"],
        environment=STAGING,
        criticality=LOW,
    )
    vpn = application(
        "OpenVPN Access Server",
        "2.13",
        "OpenVPN Inc.",
        "commercial",
        SECURITY,
        ["vpn-lon-01", "vpn-fra-01"],
        criticality=HIGH,
    )
    radius = application("FreeRADIUS", "3.2", "FreeRADIUS", "open source", SECURITY, ["radius-01"], criticality=HIGH)
    shop_front = application(
        "Web Shop Frontend",
        "5.8.2",
        "",
        "in-house",
        APPS,
        ["web-lon-01", "web-lon-02", "web-lon-03", "web-fra-01"],
        criticality=HIGH,
    )
    shop_api = application(
        "Web Shop API", "5.8.2", "", "in-house", APPS, ["shop-api-01", "shop-api-02"], criticality=HIGH
    )
    shop_worker = application("Web Shop Order Worker", "5.8.2", "", "in-house", APPS, ["shop-worker-01"])
    shop_cache = application("Redis Cache", "7.2", "Redis", "open source", APPS, ["shop-cache-01"])
    shop_staging = application(
        "Web Shop Frontend (staging)",
        "5.9.0-rc1",
        "",
        "in-house",
        APPS,
        ["web-stg-01"],
        environment=STAGING,
        criticality=LOW,
    )
    hr_portal = application("HR Portal", "3.1", "PeopleFirst", "commercial", APPS, ["hr-web-01", "hr-app-01"])
    intranet = application(
        "SharePoint 2010 Intranet",
        "2010 SP2",
        "Microsoft",
        "commercial",
        APPS,
        ["intranet-01"],
        status=RETIRED,
        criticality=LOW,
        support_ends="2021-04-13",
    )

    # Databases run on VMs or on the Oracle hosts; the payroll standby is in maintenance for patching.
    def database(name, engine, version, size_gb, server, replicated=False, **fields):
        attributes = {"engine": engine, "version": version, "size_gb": size_gb, "replicated": replicated}
        ci("database", name, DBA, attributes=attributes, **fields)
        link(name, "runs_on", server)
        return name

    mail_db = database("mail-db", "PostgreSQL", "15", 40, "mail-db-01")
    payroll_db = database("payroll-db", "Oracle", "19c", 900, db_hosts[0], True, criticality=HIGH)
    payroll_standby = database("payroll-db-standby", "Oracle", "19c", 900, db_hosts[1], True, status=MAINTENANCE)
    shop_db = database("shop-db-primary", "PostgreSQL", "16", 600, "shop-db-01", True, criticality=HIGH)
    shop_replica = database("shop-db-replica", "PostgreSQL", "16", 600, "shop-db-02", True)
    hr_db = database("hr-db", "PostgreSQL", "15", 120, "hr-db-01")
    link(payroll_standby, "depends_on", payroll_db)
    link(shop_replica, "depends_on", shop_db)

    # How applications use each other, their databases and the network.
    link(roundcube, "uses", dovecot, postfix, mail_db)
    link(dovecot, "uses", ad)
    link(postfix, "uses", dns, ad)
    link(payroll, "uses", payroll_db, ad)
    link(payroll_batch, "uses", payroll_db)
    link(payroll_batch, "depends_on", payroll)
    link(payroll_staging, "uses", payroll_standby)
    link(vpn, "uses", radius, dns)
    link(vpn, "runs_on", *firewalls["lon"], firewalls["fra"][0])
    link(radius, "uses", ad)
    link(shop_front, "uses", shop_api, shop_cache, *balancers)
    link(shop_api, "uses", shop_db, shop_cache, postfix)
    link(shop_worker, "uses", shop_db, postfix)
    link(shop_staging, "uses", shop_replica)
    link(hr_portal, "uses", hr_db, ad)

    # Business services, each containing its applications.
    def service(name, sla_hours, availability, customer_facing, owner, apps, **fields):
        attributes = {
            "sla_hours": sla_hours,
            "availability_target": availability,
            "customer_facing": customer_facing,
            "business_owner": owner,
        }
        ci("business-service", name, DESK, attributes=attributes, **fields)
        link(name, "contains", *apps)
        return name

    email = service(
        "E-mail", "24x7", 99.9, False, "Chief Information Officer", [postfix, dovecot, roundcube], criticality=HIGH
    )
    payroll_service = service(
        "Payroll", "Mon-Fri 07:00-19:00", 99.5, False, "Head of HR", [payroll, payroll_batch], criticality=HIGH
    )
    vpn_service = service("VPN", "24x7", 99.5, False, "Chief Information Security Officer", [vpn])
    shop = service(
        "Web Shop", "24x7", 99.95, True, "Head of E-commerce", [shop_front, shop_api, shop_worker], criticality=HIGH
    )
    hr = service("HR portal", "Mon-Fri 08:00-18:00", 99.0, False, "Head of HR", [hr_portal], criticality=LOW)
    legacy = service(
        "Legacy Intranet",
        "Mon-Fri 08:00-18:00",
        98.0,
        False,
        "Head of Communications",
        [intranet],
        status=RETIRED,
        criticality=LOW,
    )
    link(exchange, "uses", ad)
    link(shop, "depends_on", email)  # order confirmations
    link(payroll_service, "depends_on", email)  # payslips
    link(hr, "depends_on", vpn_service)  # remote access for HR staff
    link(legacy, "depends_on", vpn_service)
    return cis, links
