#!/usr/bin/env python3
"""Serves the end-to-end Django site on 127.0.0.1 with wsgiref (single-threaded), on the port
given as argv[1] (0: a free port chosen by the OS). Prints one line `LISTENING <port> <django version>`
on stdout once it accepts connections, then serves until killed or until its stdin closes (the
test process is gone).

Header comparisons: a request may carry `X-E2E-Settings: {"SESSION_COOKIE_SAMESITE": "Strict", ...}`
(JSON). Those session settings (and only those) are applied with `override_settings` around that
one request, so one process answers for several configurations. SessionMiddleware and SessionBase
read these settings on every request; the server handles one request at a time, so an override
never leaks into another request.
"""
import json
import os
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2e_site.settings")

import django  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

OVERRIDABLE = {
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_SAVE_EVERY_REQUEST",
}

django_app = get_wsgi_application()


def app(environ, start_response):
    raw = environ.get("HTTP_X_E2E_SETTINGS")
    if not raw:
        return django_app(environ, start_response)
    overrides = json.loads(raw)
    unknown = set(overrides) - OVERRIDABLE
    if unknown:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [("not overridable: %s" % ", ".join(sorted(unknown))).encode()]
    with override_settings(**overrides):
        # The body is produced inside the override (Django's response is already complete here).
        return list(django_app(environ, start_response))


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # no access log on stderr
        pass


def exit_with_parent():
    """The test keeps our stdin open; EOF means it is gone (even killed): stop serving."""
    sys.stdin.read()
    os._exit(0)


def main():
    threading.Thread(target=exit_with_parent, daemon=True).start()
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = make_server("127.0.0.1", port, app, server_class=WSGIServer, handler_class=QuietHandler)
    print("LISTENING %d %s" % (server.server_port, django.get_version()), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
