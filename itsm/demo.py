"""Demo organisation (users with every role, teams with managers and escalation paths) for `load_demo`."""

from django.contrib.auth.models import Group

from itsm import roles
from itsm.models import Team, User
from itsm.services.users import team_save, user_create, user_update

# One shared password keeps the demo easy to try; it passes the project's validators (length 10+, not common,
# not numeric, not similar to any demo name). It is printed by `load_demo` and documented in the README.
DEMO_PASSWORD = "demo-pass-2026"

# (username, first name, last name, roles, manager's username, IANA time zone).
# Managers come before their reports, so each manager already exists when a report is saved.
DEMO_USERS = [
    ("olivia.grant", "Olivia", "Grant", [roles.MANAGER], None, "Europe/London"),
    ("admin", "Morgan", "Reyes", [roles.ADMIN], "olivia.grant", "Europe/London"),
    ("hannah.mueller", "Hannah", "Müller", [roles.MANAGER, roles.CAB_MEMBER], "olivia.grant", "Europe/Berlin"),
    ("priya.nair", "Priya", "Nair", [roles.MANAGER, roles.AGENT], "olivia.grant", "Asia/Kolkata"),
    ("liam.oconnor", "Liam", "O'Connor", [roles.AGENT], "priya.nair", "Europe/Dublin"),
    ("sofia.rossi", "Sofia", "Rossi", [roles.AGENT], "priya.nair", "Europe/Rome"),
    ("kenji.tanaka", "Kenji", "Tanaka", [roles.AGENT], "hannah.mueller", "Asia/Tokyo"),
    ("marta.kowalska", "Marta", "Kowalska", [roles.AGENT], "hannah.mueller", "Europe/Warsaw"),
    ("tom.becker", "Tom", "Becker", [roles.AGENT, roles.CAB_MEMBER], "hannah.mueller", "Europe/Berlin"),
    ("grace.kim", "Grace", "Kim", [roles.AGENT, roles.CAB_MEMBER], "olivia.grant", "America/Los_Angeles"),
    ("carlos.mendez", "Carlos", "Méndez", [roles.CHANGE_MANAGER], "olivia.grant", "America/Mexico_City"),
    ("amina.diallo", "Amina", "Diallo", [roles.SECURITY_OFFICER, roles.CAB_MEMBER], "olivia.grant", "Europe/Paris"),
    ("robert.chen", "Robert", "Chen", [roles.AUDITOR], None, "America/New_York"),
    ("rafael.costa", "Rafael", "Costa", [roles.AGENT], None, "Europe/Lisbon"),
    ("mark.thompson", "Mark", "Thompson", [roles.REQUESTER], None, "America/Chicago"),
    ("julia.weber", "Julia", "Weber", [roles.REQUESTER], "mark.thompson", "Europe/Berlin"),
]

# (name, description, e-mail, manager, members, escalation team, vendor).
# Escalation targets come first, so each one already exists when a team escalating to it is saved.
DEMO_TEAMS = [
    (
        "Acme Hosting (vendor)",
        "External hosting provider: data-centre hardware, hypervisors and the WAN uplinks (third line).",
        "support@acme-hosting.example.org",
        "hannah.mueller",
        ["rafael.costa"],
        None,
        "Acme Hosting Ltd",
    ),
    (
        "Infrastructure",
        "Servers, storage, virtualisation and backups (second line).",
        "infrastructure@example.org",
        "hannah.mueller",
        ["hannah.mueller", "marta.kowalska", "tom.becker"],
        "Acme Hosting (vendor)",
        "",
    ),
    (
        "Network Operations",
        "LAN, WAN, VPN, firewalls and DNS (second line).",
        "noc@example.org",
        "hannah.mueller",
        ["kenji.tanaka"],
        "Acme Hosting (vendor)",
        "",
    ),
    (
        "Database Administration",
        "PostgreSQL and Oracle databases: performance, replication, restores (second line).",
        "dba@example.org",
        "tom.becker",
        ["tom.becker"],
        "Infrastructure",
        "",
    ),
    (
        "Applications",
        "Business applications: ERP, CRM, the intranet and their integrations (second line).",
        "applications@example.org",
        "grace.kim",
        ["grace.kim"],
        "Database Administration",
        "",
    ),
    (
        "Security Operations",
        "Security incidents, vulnerability management and access reviews.",
        "soc@example.org",
        "amina.diallo",
        ["amina.diallo"],
        None,
        "",
    ),
    (
        "Service Desk",
        "Single point of contact: logs, classifies and resolves what it can at first line.",
        "servicedesk@example.org",
        "priya.nair",
        ["priya.nair", "liam.oconnor", "sofia.rossi"],
        "Infrastructure",
        "",
    ),
]


def demo_usernames() -> list[str]:
    """Usernames of the demo logins, in the order they are listed."""
    return [row[0] for row in DEMO_USERS]


def load_organisation(stdout) -> None:
    """Create or update the demo users and teams to their canonical values (safe to run again)."""
    missing = set(roles.ROLES) - set(Group.objects.filter(name__in=roles.ROLES).values_list("name", flat=True))
    if missing:
        # Role groups are made by the post-migrate hook; without them users would silently get no role.
        raise RuntimeError(f"Role groups missing ({', '.join(sorted(missing))}): run `manage.py migrate` first.")

    created_users = 0
    users: dict[str, User] = {}
    for username, first_name, last_name, role_slugs, manager, timezone in DEMO_USERS:
        fields = {
            "email": f"{username}@example.org",
            "first_name": first_name,
            "last_name": last_name,
            "manager": users[manager] if manager else None,
            "timezone": timezone,
            "is_active": True,
        }
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(actor=None, username=username, password=DEMO_PASSWORD, roles=role_slugs, **fields)
            created_users += 1
        else:
            # Hashing is slow on purpose, so the password is only rewritten when it differs from the demo one.
            password = None if user.check_password(DEMO_PASSWORD) else DEMO_PASSWORD
            user = user_update(actor=None, user=user, password=password, roles=role_slugs, **fields)
        users[username] = user

    created_teams = 0
    teams: dict[str, Team] = {}
    for name, description, email, manager, members, escalation, vendor in DEMO_TEAMS:
        fields = {
            "description": description,
            "email": email,
            "manager": users[manager],
            "escalation_team": teams[escalation] if escalation else None,
            "vendor": vendor,
        }
        team = Team.objects.filter(name=name).first()
        created_teams += team is None
        teams[name] = team_save(actor=None, team=team, name=name, members=[users[m] for m in members], **fields)

    stdout.write(f"Organisation: {len(users)} users ({created_users} new), {len(teams)} teams ({created_teams} new).\n")
