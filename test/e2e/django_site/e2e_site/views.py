"""Views of the end-to-end Django site: Django's own login, logout, password change and session
use, exactly as an ordinary Django project writes them. Forms are application/x-www-form-urlencoded."""
import django
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt


def _user_json(user):
    if not user.is_authenticated:
        return None
    return {"id": user.pk, "username": user.username}


@csrf_exempt
def create_user(request):
    """Test set-up: a user with this username and password (Django's default hasher)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = User.objects.create_user(request.POST["username"], password=request.POST["password"])
    return JsonResponse({"id": user.pk, "username": user.username, "django": django.get_version()})


@csrf_exempt
def login_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
    if user is None:
        return JsonResponse({"ok": False}, status=401)
    login(request, user)
    return JsonResponse({"ok": True, "user": _user_json(user)})


@csrf_exempt
def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    logout(request)
    return JsonResponse({"ok": True})


def whoami(request):
    # request.user runs get_user(): a stale _auth_user_hash flushes the session here.
    user = _user_json(request.user)
    return JsonResponse({"user": user, "session": dict(request.session.items()), "django": django.get_version()})


@csrf_exempt
def change_password(request):
    """set_password + save, WITHOUT update_session_auth_hash: every session of the user,
    this one included, is logged out by its next get_user()."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return JsonResponse({"ok": False}, status=403)
    request.user.set_password(request.POST["password"])
    request.user.save()
    return JsonResponse({"ok": True})


@csrf_exempt
def counter(request):
    """GET reads the session's counter; POST increments it."""
    if request.method == "POST":
        request.session["counter"] = request.session.get("counter", 0) + 1
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return JsonResponse({"counter": request.session.get("counter")})


def ping(request):
    """Never touches request.session (nor request.user)."""
    return JsonResponse({"pong": True})


def form_page(request):
    """A page with a form Django renders ({% csrf_token %}), posting to ?action= (a Node URL)."""
    return render(request, "form.html", {"action": request.GET.get("action", "/dj/submit"), "django_version": django.get_version()})


def messages_page(request):
    """Shows the request's messages through Django's messages context processor (consuming them)."""
    return render(request, "messages.html", {"django_version": django.get_version()})


def submit(request):
    """Behind CsrfViewMiddleware (not exempt): a form post, a message, a redirect to ?next=."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    messages.success(request, "Saved on Django: %s" % request.POST.get("note", ""))
    return HttpResponseRedirect(request.GET.get("next", "/dj/messages"))
