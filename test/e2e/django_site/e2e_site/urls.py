from django.urls import path

from . import views

urlpatterns = [
    path("dj/users", views.create_user),
    path("dj/login", views.login_view),
    path("dj/logout", views.logout_view),
    path("dj/whoami", views.whoami),
    path("dj/password", views.change_password),
    path("dj/counter", views.counter),
    path("dj/ping", views.ping),
    path("dj/form", views.form_page),
    path("dj/messages", views.messages_page),
    path("dj/submit", views.submit),
]
