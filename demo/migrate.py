"""Brings the demo's SQLite file to Django's schema with Django's own migrations.

Run by `npm run demo` before the Django side starts: python demo/migrate.py <sqlite-file>.
`migrate` is idempotent on a file Django migrated before (by 3.2 or 5.2: same migrations). A run
without Django leaves `auth_user` and `django_session` created by the Node side and no
`django_migrations`, on which migrate would fail ("table auth_user already exists"); those two
tables are set aside, migrated afresh, and their rows copied back, so the demo user and any live
session survive. Any failure is one line on stderr and exit status 1, never a traceback: the
caller decides what to do with the file.
"""
import sys

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="django-session-demo-secret-not-for-production",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    USE_TZ=True,
)

NODE_TABLES = ["auth_user", "django_session"]


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def migrate():
    from django.core.management import call_command
    from django.db import connection

    tables = connection.introspection.table_names()
    kept = [t for t in NODE_TABLES if t in tables] if "django_migrations" not in tables else []
    with connection.cursor() as cursor:
        for table in kept:
            cursor.execute(f"DROP TABLE IF EXISTS {quoted('demo_old_' + table)}")
            # A copy, not a RENAME: a renamed table keeps its indexes, whose names migrate reuses.
            cursor.execute(f"CREATE TABLE {quoted('demo_old_' + table)} AS SELECT * FROM {quoted(table)}")
            cursor.execute(f"DROP TABLE {quoted(table)}")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in kept:
            old = "demo_old_" + table
            columns = {c.name for c in connection.introspection.get_table_description(cursor, old)}
            common = ", ".join(quoted(c.name) for c in connection.introspection.get_table_description(cursor, table) if c.name in columns)
            cursor.execute(f"INSERT INTO {quoted(table)} ({common}) SELECT {common} FROM {quoted(old)}")
            cursor.execute(f"DROP TABLE {quoted(old)}")
    if kept:
        print(f"demo: {' and '.join(kept)} came from a run without Django; migrated them with Django, rows kept.", flush=True)


if __name__ == "__main__":
    try:
        django.setup()
        migrate()
    except Exception as error:  # noqa: BLE001 - reported as one line, the caller rebuilds the file
        print(f"{type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
        sys.exit(1)
