"""The example's URLs, and a few views only the tests need (async ones,
one that raises, one that logs in with a label)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from authsessions.django import (
    aget_user,
    alogin,
    alogout,
    login,
    recent,
    rotate,
    update_session_auth_hash,
)
from authsessions.examples.django_site.urls import urlpatterns as example


async def whoami(request: HttpRequest) -> JsonResponse:
    user = await request.auser()
    same = await aget_user(request)
    return JsonResponse({"user": user.get_username(), "same": same.get_username()})


async def async_login(request: HttpRequest) -> JsonResponse:
    from asgiref.sync import sync_to_async

    user = await sync_to_async(get_user_model().objects.get)(username=request.POST["username"])
    await alogin(request, user, "django.contrib.auth.backends.ModelBackend")
    return JsonResponse({"ok": True})


async def async_logout(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ended": await alogout(request)})


def labelled_login(request: HttpRequest) -> HttpResponse:
    user = get_user_model().objects.get(username=request.POST["username"])
    login(request, user, "django.contrib.auth.backends.ModelBackend",
          label=request.POST["label"], remember=request.POST.get("remember") == "1")  # fmt: skip
    return HttpResponse("ok")


def promote(request: HttpRequest) -> HttpResponse:
    return HttpResponse("rotated" if rotate(request) else "none")


def change_password(request: HttpRequest) -> HttpResponse:
    user = request.user
    user.set_password(request.POST["password"])
    user.save()
    update_session_auth_hash(request, user)
    return HttpResponse("changed")


def fresh(request: HttpRequest) -> HttpResponse:
    recent(request, timedelta(minutes=10))
    return HttpResponse("fresh")


def user_name(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.user.get_username() or "anonymous")


def broken(request: HttpRequest) -> HttpResponse:
    raise KeyError("not ours")


urlpatterns = [
    *example,
    path("t/whoami", whoami),
    path("t/async-login", async_login),
    path("t/async-logout", async_logout),
    path("t/labelled-login", labelled_login),
    path("t/promote", promote),
    path("t/change-password", change_password),
    path("t/fresh", fresh),
    path("t/user", user_name),
    path("t/broken", broken),
]
