#!/usr/bin/env python3
"""manage.py of the end-to-end Django site (test/e2e): `python manage.py migrate`."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2e_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
