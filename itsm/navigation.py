"""The main menu, filtered by what the signed-in user may see. Later processes add their entries here."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    """One menu entry: shown when the user holds `permission` (None: every signed-in user)."""

    label: str
    url_name: str
    permission: str | None = None
    icon: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    def is_active(self, path: str) -> bool:
        """True on the entry's own page and anywhere in its section (/cmdb/cis/ lights up under /cmdb/)."""
        url = self.url
        if url == "/":
            return path == "/"
        section = "/" + url.strip("/").split("/")[0] + "/"
        return path.startswith(section)


NAV_ITEMS = [
    NavItem(_("Home"), "home", icon="house"),
    NavItem(_("Incidents"), "incidents:incident_list", "incidents.view_incident", icon="exclamation-triangle"),
    NavItem(_("CMDB"), "cmdb:ci_list", "cmdb.view_configurationitem", icon="hdd-network"),
    NavItem(_("Changes"), "changes:change_list", "changes.view_change", icon="arrow-repeat"),
    NavItem(_("My CAB approvals"), "changes:approval_list", "changes.add_approval", icon="check2-square"),
    NavItem(_("Change calendar"), "changes:calendar", "changes.view_change", icon="calendar3"),
    NavItem(_("Service levels"), "slm:service_list", "slm.view_agreement", icon="speedometer2"),
    NavItem(_("SLA dashboard"), "slm:dashboard", "slm.view_slaclock", icon="graph-up"),
    NavItem(_("Users"), "itsm:user_list", "itsm.view_user", icon="people"),
    NavItem(_("Teams"), "itsm:team_list", "itsm.view_team", icon="diagram-3"),
    NavItem(_("Audit trail"), "itsm:auditevent_list", "itsm.view_auditevent", icon="journal-text"),
    NavItem(_("API"), "api:docs", None, icon="braces"),
]


def navigation_for(user, path: str = "") -> list[tuple[NavItem, bool]]:
    """The entries `user` may see, in menu order, each with whether it is the current section."""
    items = [item for item in NAV_ITEMS if item.permission is None or user.has_perm(item.permission)]
    active = [item for item in items if item.is_active(path)]
    # Several entries in one section (/changes/, /changes/calendar/): light only the one whose own URL fits best.
    own = [item for item in active if item.url != "/" and path.startswith(item.url)]
    if own:
        best = max(len(item.url) for item in own)
        active = [item for item in own if len(item.url) == best]
    return [(item, item in active) for item in items]
