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
    NavItem(_("Users"), "itsm:user_list", "itsm.view_user", icon="people"),
    NavItem(_("Teams"), "itsm:team_list", "itsm.view_team", icon="diagram-3"),
    NavItem(_("Audit trail"), "itsm:auditevent_list", "itsm.view_auditevent", icon="journal-text"),
    NavItem(_("API"), "api:docs", None, icon="braces"),
]


def navigation_for(user, path: str = "") -> list[tuple[NavItem, bool]]:
    """The entries `user` may see, in menu order, each with whether it is the current section."""
    return [
        (item, item.is_active(path)) for item in NAV_ITEMS if item.permission is None or user.has_perm(item.permission)
    ]
