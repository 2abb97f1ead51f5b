"""The example's own pages: the home redirect, a privileged page, and two
JSON endpoints."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse

from authsessions.django import devices, get_session, require_recent
from authsessions.web import device_dicts

RECENT = timedelta(minutes=10)

SECURITY_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Security</title><style>body{{font:16px system-ui;max-width:30rem;margin:3rem auto}}
</style></head><body><h1>Security</h1><p id="signed-in">Password confirmed at {since}.</p>
<p>A real app changes the password or the e-mail address here.</p>
<p><a href="/account/devices">Your devices</a></p></body></html>"""


def home(request: HttpRequest) -> HttpResponse:
    target = "/account/devices" if request.user.is_authenticated else "/login"
    response = HttpResponseRedirect(target)
    response.status_code = 303
    return response


@require_recent(RECENT)
def security(request: HttpRequest) -> HttpResponse:
    session = get_session(request)
    assert session is not None  # require_recent let it through
    return HttpResponse(
        SECURITY_PAGE.format(since=f"{session.authenticated_at:%Y-%m-%d %H:%M:%S} UTC")
    )


def me(request: HttpRequest) -> JsonResponse:
    session = get_session(request)
    if session is None:
        return JsonResponse({"error": "not logged in"}, status=401)
    return JsonResponse({"user": request.user.get_username(), "session_key": session.key})


def sessions(request: HttpRequest) -> JsonResponse:
    current = get_session(request)
    if current is None:
        return JsonResponse({"error": "not logged in"}, status=401)
    return JsonResponse(device_dicts(devices(request), current.key), safe=False)
