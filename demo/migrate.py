"""Creates the demo database with Django's own migrations (when Django is installed)."""
import sys

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="django-session-demo-secret-not-for-production",
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    USE_TZ=True,
)
django.setup()
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
