"""Demo change management for `load_demo`: standard change templates, the CAB and the emergency CAB, blackout and
maintenance windows, and ~30 changes in every state on the demo CMDB — some colliding on the same CIs, some with
votes, one scheduled into a freeze by a change manager, one failed change blamed for incidents.

Everything goes through the services and transitions (history, journal, votes, notifications and audit are
real; `load_demo` audits as `command`). Reference data is created when missing; the changes once (MARKER).
"""

from datetime import timedelta
from typing import NamedTuple

from django.utils import timezone

from changes.models import CAB, Change, ChangeTemplate, ChangeWindow
from changes.permissions import template_usable_by
from changes.services import (
    approval_cast,
    cab_save,
    change_create,
    change_from_template,
    change_template_save,
    change_window_save,
)
from cmdb.models import ConfigurationItem
from incidents.models import Incident
from incidents.services import incident_update
from itsm.audit_context import audit_context
from itsm.models import Team, User
from itsm.services.tickets import transition_apply
from slm.models import Service

CHANGE_MANAGER = "carlos.mendez"
CAB_NAME, ECAB_NAME = "Change Advisory Board", "Emergency CAB"
# (name, policy, quorum %, chair, members)
CABS = [
    (
        CAB_NAME,
        "majority",
        None,
        CHANGE_MANAGER,
        [CHANGE_MANAGER, "hannah.mueller", "tom.becker", "grace.kim", "amina.diallo"],
    ),
    (ECAB_NAME, "quorum", 60, CHANGE_MANAGER, [CHANGE_MANAGER, "hannah.mueller", "amina.diallo"]),
]
# (name, title, team, CI names, allowed roles, plans)
TEMPLATES = [
    (
        "Monthly Linux patching",
        "Monthly security patching of a Linux server",
        "Infrastructure",
        ["monitor-01"],
        ["agent"],
        (
            "Drain, apt/dnf upgrade, reboot, re-enable.",
            "Boot the previous kernel; restore the VM snapshot.",
            "Service health checks green in Zabbix for 30 minutes.",
        ),
    ),
    (
        "TLS certificate renewal",
        "Renew a TLS certificate before it expires",
        "Applications",
        [],
        ["agent"],
        (
            "Issue with the internal CA, deploy, reload the service.",
            "Redeploy the previous certificate.",
            "openssl s_client shows the new expiry date.",
        ),
    ),
    (
        "Add an internal DNS record",
        "Add an A/CNAME record to the internal zone",
        "Network Operations",
        ["BIND DNS"],
        ["agent"],
        (
            "Add the record via the zone repository; rndc reload.",
            "Revert the commit; rndc reload.",
            "dig returns the new record from both resolvers.",
        ),
    ),
    (
        "Firewall rule change (pre-approved patterns)",
        "Open a port between two internal networks",
        "Network Operations",
        [],
        [],  # change managers only
        ("Apply the reviewed rule set.", "Re-apply the previous rule set.", "Connectivity test from both sides."),
    ),
]
DAY = timedelta(days=1)
# (name, kind, start offset, length, service names, CI names)
WINDOWS = [
    ("Payroll run freeze", "blackout", 12 * DAY, 3 * DAY, ["Payroll"], []),
    ("Year-end change freeze", "blackout", 40 * DAY, 10 * DAY, [], []),
    ("Sunday shop maintenance", "maintenance", 5 * DAY, timedelta(hours=6), ["Web Shop"], ["shop-db-primary"]),
    ("Network maintenance night", "maintenance", 9 * DAY, timedelta(hours=5), [], ["rtr-lon-01", "sw-lon-core-01"]),
]

# The first change's title marks the demo changes as loaded.
MARKER = "Upgrade the Web Shop database to PostgreSQL 16.4"


class Spec(NamedTuple):
    """One demo change: where it ends up, on what, when (hours from now), and how it got there."""

    title: str
    type: str
    status: str  # rejected: by the CAB's votes; cancelled: from `cancel_from`
    cis: tuple[str, ...]
    team: str
    start_hours: float | None = None
    hours: float = 1
    votes: tuple[tuple[str, str], ...] = ()  # (username, decision), cast before the CAB is completed
    outcome: str = "successful"
    review: str = "Completed as planned; no follow-up needed."
    template: str = ""
    blackout: str = ""  # the change manager's override when scheduling into a freeze
    incidents: tuple[str, ...] = ()  # titles of demo incidents this change caused
    cancel_from: str = "draft"


HANNAH, TOM, GRACE, AMINA = "hannah.mueller", "tom.becker", "grace.kim", "amina.diallo"
DBA, APPS, INFRA, NET, SEC = (
    "Database Administration",
    "Applications",
    "Infrastructure",
    "Network Operations",
    "Security Operations",
)
CHANGES = [
    Spec(MARKER, "normal", "authorization", ("shop-db-primary", "shop-db-replica"), DBA, 72, 4,
         votes=((HANNAH, "approve"), (TOM, "approve"))),
    Spec("Rebuild the Web Shop search index", "normal", "assessment", ("shop-db-primary", "Web Shop API"), APPS, 74, 3),
    Spec("Apply the Oracle 19.22 patch set to payroll-db", "normal", "authorization", ("payroll-db",), DBA, 144, 3,
         votes=((HANNAH, "approve"), (TOM, "approve"), (GRACE, "approve"))),
    Spec("Replace a failed disk in dbsrv-lon-01", "normal", "scheduled", ("dbsrv-lon-01",), INFRA, 145, 2),
    Spec("Migrate mailboxes to the new IMAP cluster", "normal", "rejected", ("Dovecot IMAP", "mail-db"), APPS, 100, 8,
         votes=((GRACE, "reject"), (TOM, "reject"), (AMINA, "reject"))),
    Spec("Raise the PayFlow batch memory limit", "normal", "scheduled", ("PayFlow Batch",), APPS, 13 * 24, 2,
         blackout="The new limit is needed for this very payroll run; the batch is idle during the change."),
    Spec("Enable DNSSEC on the public zones", "normal", "draft", ("BIND DNS",), NET, 20 * 24, 4),
    Spec("Decommission the SharePoint 2010 intranet", "normal", "draft", ("SharePoint 2010 Intranet",), APPS),
    Spec("Upgrade Zabbix to 7.2", "normal", "implementation", ("Zabbix",), INFRA, -1, 3),
    Spec("Rotate the VPN gateway certificates", "normal", "review", ("OpenVPN Access Server",), SEC, -30, 2,
         outcome="successful_with_issues"),
    Spec("Upgrade the HR Portal to 3.2", "normal", "closed", ("HR Portal", "hr-db"), APPS, -240, 4),
    Spec("Resize the Web Shop Redis cache", "normal", "review", ("Redis Cache",), APPS, -20, outcome="failed"),
    Spec("Move backups to the new storage array", "normal", "closed", ("Bareos Backup", "bkp-fra-01"), INFRA, -500, 6,
         outcome="backed_out",
         review="The array's firmware dropped connections under load; rolled back, vendor case open."),
    Spec("Introduce MFA on the RADIUS server", "normal", "cancelled", ("FreeRADIUS",), SEC, 300, 2),
    Spec("Apply the Roundcube security update", "normal", "assessment", ("Roundcube Webmail",), APPS, 50),
    Spec("Add a second uplink to rtr-lon-01", "normal", "authorization", ("rtr-lon-01",), NET, 216, 4),
    Spec("Deploy the new Web Shop checkout release", "normal", "closed", ("Web Shop Frontend", "Web Shop API"), APPS,
         -72, 2, outcome="failed",
         review="Checkout failed for card payments; rolled forward with a hotfix after 3 hours.",
         incidents=("Web Shop checkout fails with error 500", "Checkout error after login")),
    Spec("Upgrade the HR database to PostgreSQL 16", "normal", "scheduled", ("hr-db",), DBA, 190, 3),
    Spec("Extend the payroll-db tablespace", "normal", "cancelled", ("payroll-db",), DBA, 146,
         cancel_from="authorization"),
    Spec("Switch Web Shop sessions to the Redis cluster", "normal", "scheduled", ("Redis Cache", "Web Shop API"), APPS,
         122, 2),
    Spec("Emergency: block the exploited VPN vulnerability", "emergency", "authorization", ("OpenVPN Access Server",),
         SEC, 4, votes=((AMINA, "approve"),)),
    Spec("Emergency: renew the expired mail relay certificate", "emergency", "closed", ("Postfix MTA",), APPS, -150,
         review="Expiry monitoring added to Zabbix so it cannot happen again."),
    Spec("Emergency: fail over the Web Shop database", "emergency", "implementation", ("shop-db-primary",), DBA, -2, 4),
    Spec("Patch monitor-01 (October)", "standard", "scheduled", ("monitor-01",), INFRA, 48,
         template="Monthly Linux patching"),
    Spec("Patch monitor-01 (September)", "standard", "closed", ("monitor-01",), INFRA, -600,
         template="Monthly Linux patching"),
    Spec("Renew the webmail certificate", "standard", "draft", ("Roundcube Webmail",), APPS, 96,
         template="TLS certificate renewal"),
    Spec("Add the record shop-cdn.internal", "standard", "scheduled", ("BIND DNS",), NET, 0.75,
         template="Add an internal DNS record"),
    Spec("Add the record payroll-api.internal", "standard", "closed", ("BIND DNS",), NET, -48,
         template="Add an internal DNS record"),
    Spec("Renew the HR Portal certificate", "standard", "implementation", ("HR Portal",), APPS, -0.5,
         template="TLS certificate renewal"),
    Spec("Open port 5432 from the reporting network", "standard", "cancelled", ("shop-db-replica",), NET, 30,
         template="Firewall rule change (pre-approved patterns)"),
]  # fmt: skip
PATH = ["draft", "assessment", "authorization", "scheduled", "implementation", "review", "closed"]


def _users(names) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=names)}


def load_reference(now) -> tuple[dict, dict]:
    """The CABs, templates and windows (created when missing); returns (CABs, templates) by name."""
    people = _users({name for row in CABS for name in (row[3], *row[4])})
    manager = people.get(CHANGE_MANAGER)
    cabs = {c.name: c for c in CAB.objects.filter(name__in=[row[0] for row in CABS])}
    for name, policy, quorum, chair, members in CABS:
        if name not in cabs:
            cabs[name] = cab_save(
                actor=manager,
                name=name,
                policy=policy,
                quorum_percent=quorum,
                chair=people.get(chair),
                members=[people[m] for m in members if m in people],
                emergency=name == ECAB_NAME,
            )
    teams = {t.name: t for t in Team.objects.all()}
    cis = {c.name: c for c in ConfigurationItem.objects.filter(name__in=_ci_names())}
    templates = {t.name: t for t in ChangeTemplate.objects.filter(name__in=[row[0] for row in TEMPLATES])}
    for name, title, team, ci_names, roles, (implementation, backout, test) in TEMPLATES:
        if name not in templates:
            templates[name] = change_template_save(
                actor=manager,
                name=name,
                title=title,
                description=f"Pre-approved: {title.lower()}.",
                assignment_group=teams.get(team),
                allowed_roles=roles,
                implementation_plan=implementation,
                backout_plan=backout,
                test_plan=test,
                configuration_items=[cis[n] for n in ci_names if n in cis],
            )
    services = {s.name: s for s in Service.objects.all()}
    existing = set(ChangeWindow.objects.filter(name__in=[row[0] for row in WINDOWS]).values_list("name", flat=True))
    for name, kind, offset, length, service_names, ci_names in WINDOWS:
        if name not in existing:
            start = now + offset
            change_window_save(
                actor=manager,
                name=name,
                kind=kind,
                start=start,
                end=start + length,
                services=[services[n] for n in service_names if n in services],
                configuration_items=[cis[n] for n in ci_names if n in cis],
            )
    return cabs, templates


def _ci_names() -> set[str]:
    names = {n for spec in CHANGES for n in spec.cis}
    names |= {n for row in TEMPLATES for n in row[3]}
    names |= {n for row in WINDOWS for n in row[5]}
    return names


class _Demo:
    def __init__(self, now, cabs, templates):
        self.now = now
        self.cabs, self.templates = cabs, templates
        self.users = {u.username: u for u in User.objects.filter(is_active=True)}
        self.manager = self.users[CHANGE_MANAGER]
        self.teams = {t.name: t for t in Team.objects.prefetch_related("members")}
        self.cis = {c.name: c for c in ConfigurationItem.objects.filter(name__in=_ci_names())}

    def agent_of(self, team: str) -> User:
        members = [u for u in self.teams[team].members.all() if u.has_perm("changes.change_change")]
        return sorted(members, key=lambda u: u.username)[0] if members else self.users["liam.oconnor"]

    def run(self) -> int:
        for index, spec in enumerate(CHANGES):
            self.make(index, spec)
        return len(CHANGES)

    def make(self, index: int, spec: Spec) -> Change:
        agent = self.agent_of(spec.team)
        fields = {
            "title": spec.title,
            "description": f"{spec.title}. Raised by {agent.get_full_name()} for {spec.team}.",
            "assignment_group": self.teams[spec.team],
            "assignee": agent,
            "configuration_items": [self.cis[n] for n in spec.cis if n in self.cis],
        }
        if spec.start_hours is not None:
            start = self.now + timedelta(hours=spec.start_hours)
            if abs(spec.start_hours) >= 1:
                start = start.replace(minute=0)  # on the hour; the near ones stay inside the reminder lead time
            fields.update(planned_start=start, planned_end=start + timedelta(hours=spec.hours))
        if spec.type == "standard":
            template = self.templates[spec.template]
            author = agent if template_usable_by(template, agent) else self.manager
            change = change_from_template(actor=author, template=template, data=fields)
        else:
            fields.update(
                type=spec.type,
                justification=f"Needed by {spec.team}: {spec.title.lower()}.",
                implementation_plan="1. Announce. 2. Apply the change. 3. Verify.",
                backout_plan="Restore the state saved before the change.",
                test_plan="Smoke tests and monitoring for one hour.",
                impact=["low", "medium", "high"][index % 3],
            )
            if spec.type == "normal":
                fields["cab"] = self.cabs[CAB_NAME]  # emergency changes find the emergency CAB themselves
            change = change_create(actor=agent, **fields)
        return self.advance(change, spec, agent)

    def advance(self, change: Change, spec: Spec, agent: User) -> Change:
        """Walk the change along the workflow to the spec's status."""
        stop = {"cancelled": spec.cancel_from, "rejected": "authorization"}.get(spec.status, spec.status)

        def reached(step: str) -> bool:
            return PATH.index(stop) >= PATH.index(step)

        if reached("assessment"):
            change = transition_apply(ticket=change, name="submit", actor=agent)  # standard: straight to scheduled
        if change.status == "assessment" and reached("authorization"):
            change = transition_apply(ticket=change, name="request_authorization", actor=self.manager)
            change = self.vote(change, spec.votes, until_met=reached("scheduled"))
        if change.status == "authorization" and reached("scheduled"):
            inputs = {"blackout_override_reason": spec.blackout} if spec.blackout else {}
            change = transition_apply(ticket=change, name="schedule", actor=self.manager, inputs=inputs)
        if change.status == "scheduled" and reached("implementation"):
            change = transition_apply(ticket=change, name="implement", actor=agent)
        if change.status == "implementation" and reached("review"):
            change = transition_apply(ticket=change, name="complete", actor=agent, inputs={"outcome": spec.outcome})
        if change.status == "review" and reached("closed"):
            inputs = {"review_notes": spec.review}
            change = transition_apply(ticket=change, name="close", actor=self.manager, inputs=inputs)
        if spec.status == "cancelled":
            reason = {"reason": "Superseded by a broader change."}
            change = transition_apply(ticket=change, name="cancel", actor=agent, inputs=reason)
        if change.actual_start and change.planned_start and change.planned_start < self.now:
            # Demo history: past changes ran in their planned window, not at the moment the demo was loaded.
            Change.objects.filter(pk=change.pk).update(
                actual_start=change.planned_start, actual_end=change.planned_end if change.actual_end else None
            )
        for incident in Incident.objects.filter(title__in=spec.incidents).order_by("pk")[:4]:
            incident_update(actor=agent, incident=incident, data={"caused_by_change": change})
        return change

    def vote(self, change: Change, votes, *, until_met: bool) -> Change:
        for username, decision in votes:
            approval_cast(actor=self.users[username], change=change, decision=decision, comment=_comment(decision))
        change = Change.objects.get(pk=change.pk)
        if until_met:
            for member in change.cab.members.order_by("username"):
                if change.authorized_at or change.status != "authorization":
                    break
                if not change.approvals.filter(voter=member).exists():
                    approval_cast(actor=member, change=change, decision="approve", comment=_comment("approve"))
                    change = Change.objects.get(pk=change.pk)
        return change


def _comment(decision: str) -> str:
    return {
        "approve": "Plans and back-out look sound.",
        "reject": "The back-out plan does not cover the data migration.",
        "abstain": "Not my area; no objection.",
    }[decision]


def load_changes(stdout) -> None:
    """Create the demo reference data when missing, and the demo changes once (safe to run again)."""
    now = timezone.now().replace(second=0, microsecond=0)
    with audit_context():
        cabs, templates = load_reference(now)
        if Change.objects.filter(title=MARKER).exists():
            stdout.write("Changes: demo changes present, nothing added.\n")
            return
        if CHANGE_MANAGER not in {u.username for u in User.objects.filter(username=CHANGE_MANAGER)}:
            stdout.write("Changes: demo organisation missing, no demo changes.\n")
            return
        made = _Demo(now, cabs, templates).run()
    stdout.write(f"Changes: {made} demo changes, {len(cabs)} CABs, {len(templates)} templates.\n")
