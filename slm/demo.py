"""Demo service catalog for `load_demo`: one service per business-service CI of the demo CMDB."""

from cmdb.models import ConfigurationItem
from itsm.models import Team
from slm.models import Service
from slm.services import service_save

# (name of the business-service CI and of the service, owner team, status, description).
DEMO_SERVICES = [
    ("E-mail", "Infrastructure", "live", "Mailboxes, webmail and mail relay for every employee."),
    ("Payroll", "Applications", "live", "Monthly payroll run, payslips and tax filings."),
    ("VPN", "Network Operations", "live", "Remote access to the company network for staff and contractors."),
    ("Web Shop", "Applications", "live", "The customer-facing online shop: catalogue, checkout and orders."),
    ("HR portal", "Applications", "live", "Leave requests, personal data and HR documents for employees."),
    ("Legacy Intranet", "Applications", "retired", "The old intranet, read only until its content is migrated."),
]


def load_services(stdout) -> None:
    """Create or update the demo catalog services to their canonical values (safe to run again)."""
    teams = {t.name: t for t in Team.objects.filter(name__in={row[1] for row in DEMO_SERVICES})}
    cis = {
        ci.name: ci
        for ci in ConfigurationItem.objects.filter(
            ci_class__slug="business-service", name__in=[row[0] for row in DEMO_SERVICES]
        )
    }
    existing = {s.name: s for s in Service.objects.filter(name__in=[row[0] for row in DEMO_SERVICES])}
    created = updated = 0
    for name, team, status, description in DEMO_SERVICES:
        wanted = {"description": description, "status": status, "owner_team": teams.get(team), "ci": cis.get(name)}
        service = existing.get(name)
        if service is None:
            service_save(actor=None, name=name, **wanted)
            created += 1
        elif any(getattr(service, key) != value for key, value in wanted.items()):
            service_save(actor=None, service=service, name=name, **wanted)
            updated += 1
    stdout.write(f"Service catalog: {len(DEMO_SERVICES)} services ({created} new, {updated} updated).\n")
