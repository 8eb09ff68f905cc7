from django.urls import path

from . import views

urlpatterns = [
    path("create", views.create),
    path("incr", views.incr),
    path("read", views.read),
    path("login", views.login_view),
    path("logout", views.logout_view),
]
