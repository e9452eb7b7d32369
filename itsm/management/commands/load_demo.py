"""`manage.py load_demo`: load (or refresh) the demo data of every app and print the demo logins."""

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import import_string

from itsm import demo
from itsm.management.base import ItsmCommand
from itsm.models import User
from itsm.roles import ROLE_LABELS


def demo_loaders() -> list:
    """Each app's `demo_loader` (a dotted path on its AppConfig), in INSTALLED_APPS order: the core first, then
    the CMDB, then the processes that refer to them. Every loader takes stdout and must be idempotent, as
    `make run` calls this each time. Declared by the apps so the core imports none of them."""
    return [import_string(config.demo_loader) for config in apps.get_app_configs() if hasattr(config, "demo_loader")]


class Command(ItsmCommand):
    help = "Create or refresh the demo organisation and records (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        # One transaction: a failing loader leaves no half-loaded demo. (ItsmCommand audits it as `command`.)
        with transaction.atomic():
            for loader in demo_loaders():
                loader(self.stdout)
        self.print_logins()

    def print_logins(self) -> None:
        """A table of the demo logins, their roles (read back from the database) and the shared password."""
        by_username = {u.username: u for u in User.objects.filter(username__in=demo.demo_usernames())}
        rows = [("Username", "Name", "Roles")]
        for username in demo.demo_usernames():
            user = by_username[username]
            rows.append((username, user.get_full_name(), ", ".join(str(ROLE_LABELS[r]) for r in user.role_slugs)))
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every one: {demo.DEMO_PASSWORD})")
        for index, (username, name, role_text) in enumerate(rows):
            self.stdout.write(f"  {username:<{widths[0]}}  {name:<{widths[1]}}  {role_text}")
            if index == 0:
                self.stdout.write(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(role_text)}")
