"""The example's URLs: authsessions' account pages under ``account/`` (one
include), and the login and step-up pages also at ``/login`` and ``/reauth``
(the paths the FastAPI and Flask examples use)."""

from django.urls import include, path

from authsessions.django import views as account

from . import views

urlpatterns = [
    path("", views.home),
    path("account/", include("authsessions.django.urls")),
    path("login", account.LoginView.as_view()),
    path("reauth", account.ReauthView.as_view()),
    path("security", views.security),
    path("api/me", views.me),
    path("api/sessions", views.sessions),
]
