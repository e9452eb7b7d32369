"""Demo incidents and service requests for `load_demo`: a few hundred, across services, teams and states.

Everything goes through the services (`incident_create`, `incident_update`, `transition_apply`,
`incident_comment_add`), so history, journal, notifications and audit events are real (`load_demo` audits
as `command`). Deterministic (fixed seed); skipped when the demo incidents exist already.
"""

import random
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from cmdb.models import CIRelationship, ConfigurationItem
from incidents.models import Category, Incident
from incidents.services import incident_comment_add, incident_create, incident_update
from itsm.audit_context import audit_context
from itsm.models import Team, User
from itsm.services.tickets import transition_apply
from slm.demo import sla_demo_replay
from slm.models import Service

SEED = 4
COUNT = 240  # ordinary incidents and requests; the major incidents and their children come on top

CATEGORIES = {
    "Hardware": ["Laptop", "Printer", "Monitor"],
    "Software": ["E-mail client", "Office", "VPN client"],
    "Access": ["Password reset", "New account"],
    "Network": ["Wi-Fi", "VPN"],
}

# The first major incident's title marks the demo as loaded.
MARKER = "E-mail outage: mailboxes unreachable for all users"
# (title, service, team, impact, urgency, resolution, child titles, final status)
MAJORS = [
    (
        MARKER,
        "E-mail",
        "Infrastructure",
        "high",
        "high",
        "fixed",
        ["Outlook cannot connect to the server", "Webmail shows 'service unavailable'", "Mails stuck in the outbox"],
        "closed",
    ),
    (
        "Web Shop checkout fails with error 500",
        "Web Shop",
        "Applications",
        "high",
        "high",
        None,
        ["Customer complaint: payment page times out", "Orders not confirmed by e-mail", "Checkout error after login"],
        "in_progress",
    ),
    (
        "VPN down for remote staff",
        "VPN",
        "Network Operations",
        "high",
        "medium",
        "workaround",
        ["VPN client: authentication failed", "Cannot reach the intranet from home"],
        "resolved",
    ),
]

# (kind, title, category "Parent/Child", service or None, team)
TEMPLATES = [
    ("incident", "Laptop does not start after the update", "Hardware/Laptop", None, "Service Desk"),
    ("incident", "Laptop battery drains within an hour", "Hardware/Laptop", None, "Service Desk"),
    ("incident", "Printer on floor 3 prints blank pages", "Hardware/Printer", None, "Service Desk"),
    ("incident", "Printer jams on every second page", "Hardware/Printer", None, "Service Desk"),
    ("incident", "Second monitor flickers on the docking station", "Hardware/Monitor", None, "Service Desk"),
    ("incident", "Outlook keeps asking for the password", "Software/E-mail client", "E-mail", "Service Desk"),
    ("incident", "Shared mailbox not visible in Outlook", "Software/E-mail client", "E-mail", "Infrastructure"),
    ("incident", "Mails to external partners bounce", "Software/E-mail client", "E-mail", "Infrastructure"),
    ("incident", "Excel crashes when opening the budget file", "Software/Office", None, "Service Desk"),
    ("incident", "Word templates missing after migration", "Software/Office", None, "Service Desk"),
    ("incident", "VPN client disconnects every few minutes", "Software/VPN client", "VPN", "Network Operations"),
    ("incident", "VPN client shows certificate error", "Software/VPN client", "VPN", "Network Operations"),
    ("incident", "Wi-Fi very slow in meeting room Atlas", "Network/Wi-Fi", None, "Network Operations"),
    ("incident", "Wi-Fi guest network not reachable", "Network/Wi-Fi", None, "Network Operations"),
    ("incident", "VPN tunnel to Frankfurt office flaps", "Network/VPN", "VPN", "Network Operations"),
    ("incident", "Payroll report shows wrong tax amounts", None, "Payroll", "Applications"),
    ("incident", "Payslips not generated for part-time staff", None, "Payroll", "Applications"),
    ("incident", "Payroll batch job failed overnight", None, "Payroll", "Database Administration"),
    ("incident", "Web Shop product images not loading", None, "Web Shop", "Applications"),
    ("incident", "Web Shop search returns no results", None, "Web Shop", "Applications"),
    ("incident", "Web Shop slow during the evening peak", None, "Web Shop", "Infrastructure"),
    ("incident", "HR portal leave request cannot be submitted", None, "HR portal", "Applications"),
    ("incident", "HR portal login loops back to the start page", "Access/Password reset", "HR portal", "Applications"),
    ("incident", "Account locked after password change", "Access/Password reset", None, "Service Desk"),
    ("incident", "Suspicious login alerts on a service account", None, None, "Security Operations"),
    ("incident", "Phishing mail reported by several users", "Software/E-mail client", "E-mail", "Security Operations"),
    ("incident", "Database replica lagging behind", None, "Web Shop", "Database Administration"),
    ("incident", "Backup of the HR database failed", None, "HR portal", "Database Administration"),
    ("incident", "Hypervisor host reports a failed disk", None, None, "Acme Hosting (vendor)"),
    ("service_request", "Password reset for a locked account", "Access/Password reset", None, "Service Desk"),
    ("service_request", "New account for a new starter in Finance", "Access/New account", None, "Service Desk"),
    ("service_request", "New account for a contractor", "Access/New account", None, "Service Desk"),
    ("service_request", "New laptop for a new starter", "Hardware/Laptop", None, "Service Desk"),
    ("service_request", "Second monitor for a home office", "Hardware/Monitor", None, "Service Desk"),
    ("service_request", "Access to the Payroll reports", "Access/New account", "Payroll", "Applications"),
    (
        "service_request",
        "Mailbox permissions for the team assistant",
        "Software/E-mail client",
        "E-mail",
        "Service Desk",
    ),
    ("service_request", "VPN access for an external consultant", "Software/VPN client", "VPN", "Network Operations"),
    ("service_request", "Install Office on a shared PC", "Software/Office", None, "Service Desk"),
]

CHANNELS = (["phone", "email", "portal", "chat", "walk_in", "monitoring"], [30, 25, 25, 10, 5, 5])
# Final states, weighted; "reopened" is resolved, reopened and worked again.
OUTCOMES = (
    ["new", "in_progress", "on_hold", "resolved", "closed", "cancelled", "reopened"],
    [12, 18, 10, 15, 35, 5, 5],
)
RESOLUTIONS = {
    "fixed": "Root cause fixed; the user confirmed it works again.",
    "workaround": "Workaround in place; a permanent fix is planned.",
    "duplicate": "Same cause as an incident already being worked.",
    "no_fault_found": "Could not reproduce; the user will call back if it happens again.",
    "user_error": "Explained the right procedure to the user.",
    "other": "Handled with the vendor.",
}
WORK_NOTES = [
    "Checked the logs: authentication failures since 08:12.",
    "Reproduced on a test machine.",
    "Restarted the service, monitoring for recurrence.",
    "Escalated with the logs attached.",
    "Vendor ticket opened, waiting for their answer.",
    "Related to last night's change; checking with the change owner.",
]
PUBLIC_AGENT = [
    "We are looking into it and will update you within the hour.",
    "Could you send a screenshot of the error, please?",
    "Please restart your device and tell us whether it happens again.",
]
PUBLIC_CALLER = [
    "Thanks, the screenshot is attached to my e-mail.",
    "It happened again this morning.",
    "Any news? This is blocking my work.",
]


def load_categories() -> dict[str, Category]:
    """The category tree (idempotent); keys are "Parent" and "Parent/Child"."""
    result = {}
    for parent_name, children in CATEGORIES.items():
        parent, _ = Category.objects.get_or_create(parent=None, name=parent_name)
        result[parent_name] = parent
        for child in children:
            result[f"{parent_name}/{child}"], _ = Category.objects.get_or_create(parent=parent, name=child)
    return result


class _Demo:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.created: list[int] = []
        self.categories = load_categories()
        self.services = {s.name: s for s in Service.objects.all()}
        self.teams = {t.name: t for t in Team.objects.all()}
        self.members = {name: list(t.members.order_by("username")) for name, t in self.teams.items()}
        users = list(User.objects.filter(is_active=True).order_by("username"))
        self.agents = [u for u in users if u.is_staff_member and u.has_perm("incidents.change_incident")]
        self.callers = [u for u in users if not u.is_staff_member] or users
        # Colleagues call the desk too.
        self.callers += [u for u in users if u.username in ("olivia.grant", "carlos.mendez", "robert.chen")]
        self.desk_agents = [u for u in self.members.get("Service Desk", []) if u in self.agents] or self.agents
        self.cis_by_service = {}
        for service in self.services.values():
            if service.ci_id:
                contained = CIRelationship.objects.filter(source_id=service.ci_id, type="contains")
                self.cis_by_service[service.name] = [
                    service.ci,
                    *(r.target for r in contained.select_related("target")),
                ]
        self.hardware = list(
            ConfigurationItem.objects.filter(Q(ci_class__slug="physical-server") | Q(ci_class__slug="storage"))[:20]
        )

    def agent_of(self, team_name: str) -> User:
        members = [u for u in self.members.get(team_name, []) if u in self.agents]
        return self.rng.choice(members or self.agents)

    def create(self, *, kind, title, category, service, team, impact, urgency, channel, parent=None, major=False):
        rng = self.rng
        caller = rng.choice(self.callers)
        reported = self.now - timedelta(minutes=rng.randrange(30, 60 * 24 * 45))
        cis = []
        if service and service in self.cis_by_service:
            cis = rng.sample(self.cis_by_service[service], min(len(self.cis_by_service[service]), rng.randint(1, 2)))
        elif team == "Acme Hosting (vendor)" and self.hardware:
            cis = [rng.choice(self.hardware)]
        description = f"{title}. Reported via {channel.replace('_', ' ')} by {caller.get_full_name()}."
        fields = {
            "kind": kind,
            "title": title,
            "description": description,
            "service": self.services.get(service),
            "urgency": urgency,
            "configuration_items": cis,
        }
        desk = {
            "impact": impact,
            "category": self.categories.get(category),
            "assignment_group": self.teams.get(team),
            "channel": channel,
            "reported_at": reported,
            "major": major,
            "parent": parent,
        }
        if channel == "portal" and not caller.is_staff_member:
            # The requester logs it in the portal; the desk classifies and assigns it.
            incident = incident_create(actor=caller, **fields)
            incident = incident_update(actor=rng.choice(self.desk_agents), incident=incident, data=desk)
        else:
            incident = incident_create(actor=rng.choice(self.desk_agents), requester=caller, **fields, **desk)
        self.created.append(incident.pk)
        return incident

    def work(self, incident: Incident, outcome: str, team: str, resolution: str | None = None) -> Incident:
        """Move an incident through the workflow to `outcome`, with comments and work notes on the way."""
        rng = self.rng
        if outcome == "new":
            if rng.random() < 0.5:
                return incident  # unassigned in the team's queue
            return incident_update(actor=incident.created_by, incident=incident, data={"assignee": self.agent_of(team)})
        agent = self.agent_of(team)
        incident = incident_update(actor=agent, incident=incident, data={"assignee": agent})
        if outcome == "cancelled":
            return transition_apply(
                ticket=incident, name="cancel", actor=agent, inputs={"reason": "Logged twice by the caller."}
            )
        incident = transition_apply(ticket=incident, name="start", actor=agent)
        self.comment(incident, agent)
        if outcome == "on_hold" or rng.random() < 0.3:
            reason = rng.choice(["awaiting_caller", "awaiting_vendor", "awaiting_change"])
            incident = transition_apply(ticket=incident, name="hold", actor=agent, inputs={"on_hold_reason": reason})
            if outcome == "on_hold":
                return incident
            incident = transition_apply(ticket=incident, name="resume", actor=agent)
        if outcome == "in_progress":
            return incident
        code = resolution or rng.choice(list(RESOLUTIONS))
        inputs = {"resolution_code": code, "resolution_notes": RESOLUTIONS[code]}
        incident = transition_apply(ticket=incident, name="resolve", actor=agent, inputs=inputs)
        if outcome == "reopened":
            incident_comment_add(
                actor=incident.requester, incident=incident, body="Still broken, sorry.", visibility="public"
            )
            return transition_apply(ticket=incident, name="reopen", actor=incident.requester)
        if outcome == "closed":
            closer = incident.requester if rng.random() < 0.4 else agent
            incident = transition_apply(ticket=incident, name="close", actor=closer)
        return incident

    def comment(self, incident: Incident, agent: User) -> None:
        rng = self.rng
        for _ in range(rng.randint(0, 3)):
            choice = rng.random()
            if choice < 0.4:
                incident_comment_add(actor=agent, incident=incident, body=rng.choice(WORK_NOTES), visibility="internal")
            elif choice < 0.7:
                incident_comment_add(actor=agent, incident=incident, body=rng.choice(PUBLIC_AGENT), visibility="public")
            else:
                body = rng.choice(PUBLIC_CALLER)
                incident_comment_add(actor=incident.requester, incident=incident, body=body, visibility="public")

    def run(self) -> int:
        rng = self.rng
        made = 0
        for title, service, team, impact, urgency, code, children, outcome in MAJORS:
            parent = self.create(
                kind="incident",
                title=title,
                category=None,
                service=service,
                team=team,
                impact=impact,
                urgency=urgency,
                channel="monitoring",
                major=True,
            )
            kids = [
                self.create(
                    kind="incident",
                    title=child,
                    category=None,
                    service=service,
                    team="Service Desk",
                    impact="low",
                    urgency=urgency,
                    channel=rng.choice(["phone", "email", "chat"]),
                    parent=parent,
                )
                for child in children
            ]
            made += 1 + len(kids)
            agent = self.agent_of(team)
            parent = incident_update(actor=agent, incident=parent, data={"assignee": agent})
            parent = transition_apply(ticket=parent, name="start", actor=agent)
            incident_comment_add(
                actor=agent, incident=parent, body="Major incident declared; bridge call opened.", visibility="internal"
            )
            incident_comment_add(
                actor=agent, incident=parent, body="We are aware of the problem and working on it.", visibility="public"
            )
            if code:
                # Resolving the parent resolves its open children with the same resolution.
                inputs = {"resolution_code": code, "resolution_notes": RESOLUTIONS[code]}
                parent = transition_apply(ticket=parent, name="resolve", actor=agent, inputs=inputs)
                if outcome == "closed":
                    transition_apply(ticket=parent, name="close", actor=agent)
                    for kid in kids:
                        transition_apply(ticket=kid, name="close", actor=agent)
        for index in range(COUNT):
            kind, title, category, service, team = rng.choice(TEMPLATES)
            if index < len(TEMPLATES):
                kind, title, category, service, team = TEMPLATES[index]  # each template at least once
            incident = self.create(
                kind=kind,
                title=title,
                category=category,
                service=service,
                team=team,
                impact=rng.choices(["high", "medium", "low"], [1, 3, 4])[0],
                urgency=rng.choices(["high", "medium", "low"], [2, 4, 3])[0],
                channel=rng.choices(*CHANNELS)[0] if kind == "incident" else rng.choice(["portal", "email", "phone"]),
            )
            outcome = OUTCOMES[0][index] if index < len(OUTCOMES[0]) else rng.choices(*OUTCOMES)[0]
            self.work(incident, outcome, team)
            made += 1
        self.spread_over_time()
        return made

    def spread_over_time(self) -> None:
        """Everything above happened "now": move each incident's history onto a believable timeline after its
        report time, so its SLA clocks come out met, at risk or breached (journal and audit keep load time)."""
        for incident in Incident.objects.filter(pk__in=self.created).order_by("pk"):
            entered = sla_demo_replay(ticket=incident, rng=self.rng, now=self.now)
            Incident.objects.filter(pk=incident.pk).update(
                resolved_at=entered.get("resolved") if incident.resolved_at else None,
                closed_at=entered.get("closed") if incident.closed_at else None,
            )


def load_incidents(stdout) -> None:
    """Create the demo incidents once (safe to run again: a second run finds the marker and adds nothing)."""
    load_categories()
    if Incident.objects.filter(title=MARKER, major=True).exists():
        stdout.write("Incidents: demo incidents present, nothing added.\n")
        return
    with audit_context():
        made = _Demo().run()
    stdout.write(f"Incidents: {made} demo incidents and service requests created.\n")
