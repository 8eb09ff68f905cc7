"""The routes of the Node cluster (node-cluster.ts), as an ordinary Django project writes them.
login and logout do to the session exactly what django.contrib.auth's login() and logout() do
(cycle_key() and the user's id; flush()), without the auth tables."""
import os
import re

from django.http import HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

COUNTER = re.compile(r"^[nd]\d{1,3}$")


def _answer(data, status=200):
    response = JsonResponse(data, status=status)
    response["X-Pid"] = str(os.getpid())
    return response


@csrf_exempt
def create(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    request.session["created"] = 1
    return _answer({"ok": True}, status=201)


@csrf_exempt
def incr(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    k = request.GET.get("k", "")
    if not COUNTER.match(k):
        return _answer({"error": "bad counter"}, status=400)
    if request.session.get("created") != 1:
        return _answer({"error": "no such session"}, status=410)
    n = request.session.get(k, 0) + 1
    request.session[k] = n
    # What this request saves: the whole session it loaded (the run counts what it puts back).
    return _answer({"n": n, "saved": dict(request.session.items())})


def read(request):
    return _answer({"data": dict(request.session.items())})


@csrf_exempt
def login_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    request.session.cycle_key()
    request.session["uid"] = request.GET.get("uid", "")
    return _answer({"ok": True})


@csrf_exempt
def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    request.session.flush()
    return _answer({"ok": True})
