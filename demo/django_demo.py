"""The Django half of the demo: a one-file Django site on the demo's SQLite file and secret.

Run by `npm run demo` when Django is installed (python3 -m django works); it can also be run by
hand: python3 demo/django_demo.py <sqlite-file> <port> <node-url>.
"""
import html
import json
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings

DB, PORT, NODE_URL = sys.argv[1], int(sys.argv[2]), sys.argv[3]
settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    SECRET_KEY="django-session-demo-secret-not-for-production",
    ROOT_URLCONF=__name__,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}},
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    USE_TZ=True,
)
django.setup()

from django.contrib.auth import logout  # noqa: E402
from django.http import HttpResponse, HttpResponseRedirect  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def home(request):
    user = request.user.username if request.user.is_authenticated else "anonymous"
    data = {k: request.session[k] for k in request.session.keys()}
    body = f"""<!doctype html><title>Django side</title>
<h1>Django {django.get_version()}</h1>
<p>User: <strong id="user">{html.escape(user)}</strong></p>
<p>Counter: <strong id="counter">{html.escape(str(data.get("counter", 0)))}</strong></p>
<pre id="session">{html.escape(json.dumps(data, indent=2))}</pre>
<form method="post" action="/logout"><button id="logout">Log out (on Django)</button></form>
<p><a href="{html.escape(NODE_URL)}/">The Node side</a></p>"""
    return HttpResponse(body)


@csrf_exempt
def do_logout(request):
    logout(request)
    return HttpResponseRedirect("/")


urlpatterns = [path("", home), path("logout", do_logout)]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    from django.core.wsgi import get_wsgi_application

    with make_server("127.0.0.1", PORT, get_wsgi_application(), handler_class=QuietHandler) as server:
        print(f"django ready on {PORT}", flush=True)
        server.serve_forever()
