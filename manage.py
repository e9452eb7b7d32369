#!/usr/bin/env python
"""Django's command-line utility; changes made by commands are audited with source `command`."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
    from django.core.management import execute_from_command_line

    from itsm.audit_context import set_process_default

    set_process_default(source="command")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
