"""`manage.py load_demo`: load (or refresh) the demo data of every app and print the demo logins."""

from django.db import transaction

from itsm import demo
from itsm.management.base import ItsmCommand
from itsm.models import User
from itsm.roles import ROLE_LABELS

# Loaders run in this order, each taking the command's stdout. An app adds its loader to this list (after
# the loaders whose records it refers to); every loader must be idempotent, as `make run` calls this each time.
LOADERS = [
    demo.load_organisation,
]


class Command(ItsmCommand):
    help = "Create or refresh the demo organisation and records (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        # One transaction: a failing loader leaves no half-loaded demo. (ItsmCommand audits it as `command`.)
        with transaction.atomic():
            for loader in LOADERS:
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
