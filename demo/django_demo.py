"""The Django side of the demo: a one-file Django site on the demo's SQLite file and secret.

Run by `npm run demo` after demo/migrate.py; by hand:
python demo/django_demo.py <sqlite-file> <port> <node-url>. Login and logout are Django's own
views (LoginView with AuthenticationForm, LogoutView), behind CsrfViewMiddleware, as on a real
Django site: what the Node side reads is what Django itself wrote.
"""
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings

HERE = Path(__file__).resolve().parent
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
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(HERE / "templates")],
            "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth"]},
        }
    ],
    # LoginView's and LogoutView's redirects (settings rather than next_page: Django 3.2 too).
    LOGIN_REDIRECT_URL="/",
    LOGOUT_REDIRECT_URL="/",
    USE_TZ=True,
)
django.setup()

from django.contrib.auth.forms import AuthenticationForm  # noqa: E402
from django.contrib.auth.views import LoginView, LogoutView  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.shortcuts import redirect, render  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

INITIAL = {"username": "demo"}
STYLESHEET = (HERE / "public" / "demo.css").read_bytes()


def decode(request):
    """This side's view of the session; the same shape as the Node side's /session.json."""
    data = {key: request.session[key] for key in request.session.keys()}
    user = request.user.get_username() if request.user.is_authenticated else None
    # After a load, a key without a live row is dropped (session_key None).
    row = Session.objects.filter(pk=request.session.session_key).first() if request.session.session_key else None
    return {"user": user, "data": data, "expireDate": row.expire_date.isoformat() if row else None}


def panel(title, view):
    """What the template shows of one side's decode (the Node page formats it the same way)."""
    expiry = view["expireDate"]
    return {
        "title": title,
        "user": view["user"] or "anonymous",
        "expiry": f"{expiry[:10]} {expiry[11:19]} UTC" if expiry else None,
        "json": json.dumps(view["data"], indent=2),
    }


def node_panel(request):
    """The Node side's decode of the same cookie, asked server to server with the browser's cookie."""
    title = "Node · django-session"
    ask = urllib.request.Request(f"{NODE_URL}/session.json", headers={"Cookie": request.META.get("HTTP_COOKIE", "")})
    try:
        # A bound, so that a stuck Node side costs this page one panel, not the page.
        with urllib.request.urlopen(ask, timeout=5) as response:
            return panel(title, json.load(response))
    except (urllib.error.URLError, OSError, ValueError) as error:
        return {"title": title, "problem": f"The Node side did not answer ({error})."}


def page_context(request, form=None):
    django_view = decode(request)
    return {
        "form": form if form is not None else AuthenticationForm(request, initial=INITIAL),
        "counter": django_view["data"].get("counter", 0),
        "django_panel": panel(f"Django {django.get_version()}", django_view),
        "node_panel": node_panel(request),
        "django_version": django.get_version(),
        "node_url": NODE_URL,
    }


class DemoLoginView(LoginView):
    """Django's LoginView on the demo page, so a refused login shows the form's errors in place."""

    template_name = "django_page.html"

    def get_initial(self):
        return INITIAL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(page_context(self.request, form=context["form"]))
        return context


def home(request):
    return render(request, "django_page.html", page_context(request))


@require_POST
def counter(request):
    request.session["counter"] = int(request.session.get("counter", 0)) + 1
    return redirect("/")


def stylesheet(request):
    return HttpResponse(STYLESHEET, content_type="text/css; charset=utf-8")


def session_json(request):
    return JsonResponse(decode(request))


urlpatterns = [
    path("", home),
    path("login/", DemoLoginView.as_view()),
    path("logout/", LogoutView.as_view()),
    path("counter/", counter),
    path("demo.css", stylesheet),
    path("session.json", session_json),
]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    # The Node side asks /session.json while a browser may be loading a page here.
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    from django.core.wsgi import get_wsgi_application

    with make_server("127.0.0.1", PORT, get_wsgi_application(), server_class=ThreadingServer, handler_class=QuietHandler) as server:
        print(f"django ready on {PORT}", flush=True)
        server.serve_forever()
