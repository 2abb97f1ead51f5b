"""The account pages: ``path("account/", include("authsessions.django.urls"))``.

``login``, ``reauth``, ``devices``, ``devices/<key>/revoke``,
``logout-everywhere``, ``logout`` (names in the ``authsessions``
namespace: ``reverse("authsessions:devices")``). The paths have no
trailing slash, like the other integrations' account pages."""

from django.urls import path

from . import views

app_name = "authsessions"

urlpatterns = [
    path("login", views.LoginView.as_view(), name="login"),
    path("reauth", views.ReauthView.as_view(), name="reauth"),
    path("devices", views.devices, name="devices"),
    path("devices/<str:key>/revoke", views.revoke, name="revoke"),
    path("logout-everywhere", views.logout_everywhere, name="logout_everywhere"),
    path("logout", views.logout, name="logout"),
]
