"""Real Django's django.contrib.messages for test/auth/messages.test.ts: JSON lines in, JSON lines out.

Each request line: {"op": "write" | "read", "storage": "fallback" | "session" | "cookie", ...}
- write: {"messages": [{"level", "message", "extra_tags"?, "safe"?}], "level"?}: a request with an
  empty session; storage.add() for each message (mark_safe when "safe"), storage.update(response).
  Answers {"cookie": value | null, "cookie_deleted": bool, "session": request.session["_messages"] or null}.
- read: {"cookie": value | null, "session": "_messages" string | null}: iterates the storage (as a
  template does), then update(response). Answers {"messages": [{"level", "message", "extra_tags",
  "tags", "safe"}], "cookie": ..., "cookie_deleted": ..., "session": ...} (the state after reading).
The session is a signed_cookies SessionStore held in memory: only its "_messages" key matters here.
"""
import json
import sys

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="django-session-messages-secret-0123456789",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions", "django.contrib.messages"],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    USE_TZ=True,
)
django.setup()

from django.contrib.messages.storage import default_storage  # noqa: E402
from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402
from django.utils.safestring import SafeData, mark_safe  # noqa: E402

STORAGES = {
    "fallback": "django.contrib.messages.storage.fallback.FallbackStorage",
    "session": "django.contrib.messages.storage.session.SessionStorage",
    "cookie": "django.contrib.messages.storage.cookie.CookieStorage",
}


def outcome(request, response):
    morsel = response.cookies.get("messages")
    deleted = morsel is not None and morsel["max-age"] == 0
    return {
        "cookie": None if morsel is None or deleted else morsel.value,
        "cookie_deleted": deleted,
        "session": request.session.get("_messages"),
    }


def handle(req):
    with override_settings(MESSAGE_STORAGE=STORAGES[req["storage"]], MESSAGE_LEVEL=req.get("level", 20)):
        request = RequestFactory().get("/")
        request.session = SessionStore()
        if req.get("cookie") is not None:
            request.COOKIES["messages"] = req["cookie"]
        if req.get("session") is not None:
            request.session["_messages"] = req["session"]
        storage = default_storage(request)
        response = HttpResponse()
        if req["op"] == "write":
            for m in req["messages"]:
                text = mark_safe(m["message"]) if m.get("safe") else m["message"]
                storage.add(m["level"], text, m.get("extra_tags", ""))
            storage.update(response)
            return outcome(request, response)
        seen = [
            {"level": m.level, "message": str(m.message), "extra_tags": m.extra_tags, "tags": m.tags, "safe": isinstance(m.message, SafeData)}
            for m in storage
        ]
        storage.update(response)
        return {"messages": seen, **outcome(request, response)}


for line in sys.stdin:
    try:
        print(json.dumps({"django": django.get_version(), **handle(json.loads(line))}), flush=True)
    except Exception as error:  # reported to the test as it is
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
