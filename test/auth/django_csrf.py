"""Real Django's CsrfViewMiddleware for test/auth/csrf.test.ts: JSON lines in, JSON lines out.

{"op": "check", "settings": {...}, "request": {"method", "secure", "host", "origin"?, "referer"?,
 "cookie"?, "form_token"?, "header_token"?, "session_secret"?}} → {"ok": true} | {"reason": "..."}
  (process_request then process_view, as Django runs them for a view; the failure view answers
  the reason).
{"op": "token", "settings": {...}, "request": {...}} → {"token": get_token(request), "secret": the
  secret process_response would send (cookie or session)}.
"""
import json
import sys

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="django-session-csrf-secret-0123456789",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    ALLOWED_HOSTS=["*"],
    CSRF_FAILURE_VIEW="__main__.failure",
    USE_TZ=True,
)
django.setup()

from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.middleware.csrf import CsrfViewMiddleware, get_token  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402


def failure(request, reason=""):
    return HttpResponse(reason, status=403)


def view(request):
    return HttpResponse("ok")


def build(spec):
    factory = RequestFactory()
    extra = {"secure": spec.get("secure", False)}
    if spec.get("host") is not None:
        extra["HTTP_HOST"] = spec["host"]
    if spec.get("origin") is not None:
        extra["HTTP_ORIGIN"] = spec["origin"]
    if spec.get("referer") is not None:
        extra["HTTP_REFERER"] = spec["referer"]
    if spec.get("header_token") is not None:
        extra["HTTP_X_CSRFTOKEN"] = spec["header_token"]
    method = spec["method"].lower()
    data = {"csrfmiddlewaretoken": spec["form_token"]} if spec.get("form_token") is not None else {}
    request = getattr(factory, method)("/submit/", data=data, **extra) if method in ("get", "post") else factory.generic(spec["method"], "/submit/", **extra)
    if spec.get("cookie") is not None:
        request.COOKIES["csrftoken"] = spec["cookie"]
    request.session = SessionStore()
    if spec.get("session_secret") is not None:
        request.session["_csrftoken"] = spec["session_secret"]
    return request


def handle(req):
    s = req.get("settings", {})
    with override_settings(
        CSRF_TRUSTED_ORIGINS=s.get("trusted_origins", []),
        CSRF_USE_SESSIONS=s.get("use_sessions", False),
        CSRF_COOKIE_DOMAIN=s.get("cookie_domain"),
    ):
        request = build(req["request"])
        middleware = CsrfViewMiddleware(lambda r: HttpResponse())
        middleware.process_request(request)
        if req["op"] == "token":
            token = get_token(request)
            response = middleware.process_response(request, HttpResponse())
            secret = request.session.get("_csrftoken") if s.get("use_sessions") else response.cookies["csrftoken"].value
            return {"token": token, "secret": secret}
        response = middleware.process_view(request, view, (), {})
        return {"ok": True} if response is None else {"reason": response.content.decode()}


for line in sys.stdin:
    try:
        print(json.dumps({"django": django.get_version(), **handle(json.loads(line))}), flush=True)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
