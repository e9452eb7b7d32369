"""The demo CI class tree: (slug, name, parent slug, description, own typed attributes)."""


def _attr(name: str, kind: str, required: bool = False, choices: list[str] | None = None) -> dict:
    return {"name": name, "type": kind, "required": required, **({"choices": choices} if choices else {})}


# (slug, name, parent slug, description, own attributes). Parents come before their children.
DEMO_CLASSES = [
    (
        "business-service",
        "Business Service",
        None,
        "A service the business consumes and the service catalogue promises.",
        [
            _attr("sla_hours", "string", required=True),
            _attr("availability_target", "number"),
            _attr("customer_facing", "boolean"),
            _attr("business_owner", "string"),
        ],
    ),
    (
        "application",
        "Application",
        None,
        "Software that delivers (part of) a business service.",
        [
            _attr("version", "string", required=True),
            _attr("vendor", "string"),
            _attr("licence", "choice", choices=["commercial", "open source", "in-house"]),
            _attr("support_ends", "date"),
        ],
    ),
    (
        "database",
        "Database",
        None,
        "A database instance or cluster member.",
        [
            _attr("engine", "choice", required=True, choices=["PostgreSQL", "Oracle", "MySQL", "SQL Server"]),
            _attr("version", "string"),
            _attr("size_gb", "integer"),
            _attr("replicated", "boolean"),
        ],
    ),
    (
        "server",
        "Server",
        None,
        "A computer that runs applications or databases.",
        [
            _attr("os", "choice", choices=["Debian 12", "RHEL 9", "Ubuntu 22.04", "Windows Server 2022", "ESXi 8"]),
            _attr("cpu_cores", "integer"),
            _attr("ram_gb", "integer"),
            _attr("ip_address", "string", required=True),
        ],
    ),
    (
        "virtual-machine",
        "Virtual Machine",
        "server",
        "A server virtualised on a hypervisor host.",
        [_attr("snapshot_policy", "choice", choices=["none", "daily", "hourly"])],
    ),
    (
        "physical-server",
        "Physical Server",
        "server",
        "Bare-metal hardware in a rack.",
        [
            _attr("serial_number", "string", required=True),
            _attr("model", "string"),
            _attr("warranty_ends", "date"),
            _attr("hypervisor", "boolean"),
        ],
    ),
    (
        "network-device",
        "Network Device",
        None,
        "Anything that moves packets.",
        [
            _attr("management_ip", "string", required=True),
            _attr("vendor", "string"),
            _attr("model", "string"),
            _attr("firmware", "string"),
        ],
    ),
    (
        "switch",
        "Switch",
        "network-device",
        "A LAN switch (core or top of rack).",
        [_attr("port_count", "integer"), _attr("layer", "choice", choices=["L2", "L3"])],
    ),
    ("router", "Router", "network-device", "A WAN or core router.", [_attr("bgp_asn", "integer")]),
    (
        "firewall",
        "Firewall",
        "network-device",
        "A packet-filtering firewall, often the VPN endpoint too.",
        [_attr("ha_mode", "choice", choices=["standalone", "active-passive", "active-active"])],
    ),
    (
        "load-balancer",
        "Load Balancer",
        "network-device",
        "Spreads traffic over a pool of servers.",
        [_attr("virtual_servers", "integer")],
    ),
    (
        "storage",
        "Storage",
        None,
        "A SAN or NAS array.",
        [
            _attr("vendor", "string"),
            _attr("model", "string"),
            _attr("capacity_tb", "number", required=True),
            _attr("protocol", "choice", choices=["iSCSI", "NFS", "Fibre Channel"]),
        ],
    ),
    (
        "datacenter",
        "Datacenter",
        None,
        "A building that houses racks.",
        [_attr("city", "string", required=True), _attr("tier", "choice", choices=["II", "III", "IV"])],
    ),
    (
        "rack",
        "Rack",
        None,
        "A cabinet of rack units with its own power feeds.",
        [_attr("units", "integer"), _attr("power_kw", "number")],
    ),
]
