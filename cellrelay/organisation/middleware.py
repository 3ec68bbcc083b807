"""What every signed-in request passes: the idle timeout, then the second factor."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

LAST_ACTIVITY = "cellrelay_last_activity"
# Activity is written to the session at most once a minute, not on every request.
ACTIVITY_PRECISION_SECONDS = 60

# Pages an unverified user may still open: the second-factor steps themselves, signing out, the language switch.
OPEN_BEFORE_SECOND_FACTOR = ("/login/", "/logout/", "/i18n/", "/static/", "/favicon.ico")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _to_page(request, url: str):
    """A redirect that an htmx fetch follows as a whole page, not inside the fragment it asked for."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _with_next(request, name: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"


class IdleTimeoutMiddleware:
    """A session idle longer than CELLRELAY_IDLE_MINUTES is signed out and sent to the login page, saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - last > settings.CELLRELAY_IDLE_MINUTES * 60:
                return self._sign_out(request)
            if last is None or now - last >= ACTIVITY_PRECISION_SECONDS:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)

    def _sign_out(self, request):
        next_url = _with_next(request, "login")
        logout(request)
        if _is_api(request):
            request.user = AnonymousUser()
            return self.get_response(request)
        messages.info(request, _("You were signed out after %(minutes)d minutes without activity. Please sign in "
                                 "again.") % {"minutes": settings.CELLRELAY_IDLE_MINUTES})
        return _to_page(request, next_url)


class SecondFactorMiddleware:
    """After the password, a user must give a code from their authenticator (or a recovery code) before any page;
    one without an authenticator sets one up first. The API's bearer tokens are not sessions and pass; a session
    not yet verified does not open the API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (settings.CELLRELAY_SECOND_FACTOR and request.user.is_authenticated
                and not request.user.is_verified()):
            if _is_api(request):
                request.user = AnonymousUser()
            elif not request.path.startswith(OPEN_BEFORE_SECOND_FACTOR):
                return _to_page(request, _with_next(request, self._step_for(request.user)))
        return self.get_response(request)

    @staticmethod
    def _step_for(user) -> str:
        from django_otp import user_has_device

        return "second_factor_verify" if user_has_device(user) else "second_factor_enrol"
