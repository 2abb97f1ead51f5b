"""The account views (``urls.py`` routes them): log in, confirm the
password again, the devices page, revoke one, log out everywhere else, log
out. Each renders an overridable template under ``authsessions/``; the
forms carry Django's CSRF token, and the middleware's cross-site rule
applies to every POST as well."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView

from authsessions.web import NotLoggedIn, devices_page_style, local_path, new_devices

from . import _auth
from ._config import configured


class SeeOther(HttpResponseRedirect):
    """A 303: after a POST, the browser GETs the target."""

    status_code = 303


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, {"style": devices_page_style(), **context}, status=status)
    for name, value in configured().settings.page_headers().items():
        response[name] = value
    return response


def _after(request: HttpRequest, fallback: str) -> str:
    """Where a form goes next: its local ``next``, else ``fallback``."""
    return local_path(request.POST.get("next") or request.GET.get("next"), default=fallback)


@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    """``GET``: the devices page (``authsessions/devices.html``). Its
    context: ``devices`` (one dict per session, most recently used first:
    ``key``, ``label``, ``origin``, ``authenticated_at``,
    ``last_used_at``, ``current``, ``new``) and ``others`` (how many
    other sessions)."""
    sessions = _auth.devices(request)
    current = _auth.get_session(request)
    current_key = "" if current is None else current.key
    fresh = new_devices(sessions)
    rows = [
        {
            "key": s.key,
            "label": s.label,
            "origin": s.client.origin() if s.client is not None else "",
            "authenticated_at": s.authenticated_at,
            "last_used_at": s.last_used_at,
            "current": s.key == current_key,
            "new": s.key in fresh,
        }
        for s in sessions
    ]
    others = sum(1 for row in rows if not row["current"])
    return _page(request, "authsessions/devices.html", {"devices": rows, "others": others})


@require_POST
def revoke(request: HttpRequest, key: str) -> HttpResponse:
    """``POST``: end the user's session ``key``, back to the devices page."""
    _auth.revoke(request, key)
    return SeeOther(reverse("authsessions:devices"))


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """``POST``: end every other session of the user, back to the devices page."""
    _auth.logout_everywhere(request)
    return SeeOther(reverse("authsessions:devices"))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """``POST``: log out, then to ``LOGOUT_REDIRECT_URL`` (else the login
    page, else ``/``)."""
    _auth.logout(request)
    after = settings.LOGOUT_REDIRECT_URL
    target = resolve_url(after) if after else configured().settings.login_url or "/"
    return SeeOther(local_path(str(target), default="/"))


class LoginView(auth_views.LoginView):
    """Django's ``LoginView`` logging in with authsessions: the same form
    (``AuthenticationForm``, any backend), a "Remember me" box (field
    ``remember``; unticked, the cookie ends with the browser), a wrong
    password answered 401, and ``next`` kept to local paths. Template:
    ``authsessions/login.html``."""

    template_name = "authsessions/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        remember = self.request.POST.get("remember") not in (None, "", "0", "off")
        _auth.login(self.request, form.get_user(), remember=remember)
        return SeeOther(self.get_success_url())

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 401
        return response

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        target = super().get_redirect_url(*args, **kwargs)
        return local_path(target, default="") if target else ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {"style": devices_page_style(), **super().get_context_data(**kwargs)}


class PasswordForm(forms.Form):
    """The password of the user already signed in."""

    password = forms.CharField(strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password", "autofocus": True}))  # fmt: skip

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user = self.request.user
        password = cleaned.get("password")
        if password is not None and authenticate(
            self.request, username=user.get_username(), password=password
        ) is None:  # fmt: skip
            raise forms.ValidationError("Wrong password.", code="invalid_login")
        return cleaned


if TYPE_CHECKING:
    _PasswordFormView = FormView[PasswordForm]
else:  # generic only to the type checker
    _PasswordFormView = FormView


@method_decorator([sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch")
class ReauthView(_PasswordFormView):
    """Confirm the password again (a privileged page's step-up, see
    ``require_recent``): on success the session's sign-in time becomes now,
    its secret rotates, and the browser goes back to its local ``next``.
    Template: ``authsessions/reauth.html`` (context: ``form``, ``session``,
    ``next``)."""

    form_class = PasswordForm
    template_name = "authsessions/reauth.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.session = _auth.get_session(request)
        if self.session is None:
            raise NotLoggedIn
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"request": self.request, **super().get_form_kwargs()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "style": devices_page_style(),
            "session": self.session,
            "user": self.request.user,
            "next": _after(self.request, ""),
            **super().get_context_data(**kwargs),
        }

    def form_valid(self, form: PasswordForm) -> HttpResponse:
        _auth.reauthenticate(self.request)
        return SeeOther(_after(self.request, str(resolve_url(settings.LOGIN_REDIRECT_URL))))

    def form_invalid(self, form: PasswordForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 401
        return response
