"""Signing in past the password: the second factor (set up, then asked), one's own password, sign-in lockouts."""

from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import PasswordChangeView, redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
import segno

from cellrelay.web import run_service

from . import access, lockout, services
from .forms import SecondFactorForm, UnlockForm
from .permissions import Action


def _next_page(request) -> str:
    """Where the user was going before the second factor, if it is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse_lazy(settings.LOGIN_REDIRECT_URL)


def _step_url(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': str(_next_page(request))})}"


def _second_factor_step(view):
    """Signed in with the password, not yet with the second factor: else there is nothing to do here."""

    def step(request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not settings.CELLRELAY_SECOND_FACTOR or request.user.is_verified():
            return redirect(_next_page(request))
        return view(request)

    return step


@_second_factor_step
def second_factor_enrol(request):
    """First sign-in: scan the QR code (or type the secret) into an authenticator app, confirm with its code, and
    receive the recovery codes, shown once."""
    if user_has_device(request.user):
        return redirect(_step_url("second_factor_verify", request))
    device = services.pending_authenticator(request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = run_service(form, lambda: services.enrol_second_factor(
            actor=request.user, device=device, token=form.cleaned_data["token"]))
        if enrolled:
            confirmed, codes = enrolled
            otp_login(request, confirmed)
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next_page(request)})
    secret = b32encode(device.bin_key).decode()
    return render(request, "registration/second_factor_enrol.html", {
        "form": form,
        "next": _next_page(request),
        "qr_code": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", light="#fff")),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })


@_second_factor_step
def second_factor_verify(request):
    """Every sign-in after the first: the code the authenticator shows now, or one recovery code."""
    if not user_has_device(request.user):
        return redirect(_step_url("second_factor_enrol", request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A code typed while django-otp makes the next try wait is refused whatever it is: say so, not "wrong".
        waiting = _throttled(request.user)
        device = services.verify_second_factor(actor=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(request, _("You signed in with a recovery code, which cannot be used again "
                                            "(%(left)d left).") % {"left": device.token_set.count()})
            return redirect(_next_page(request))
        form.add_error("token", waiting or _("Wrong code."))
    return render(request, "registration/second_factor_verify.html", {"form": form, "next": _next_page(request)})


def _throttled(user) -> str:
    """After wrong codes django-otp makes the next try wait (1, 2, 4… seconds): say so rather than 'wrong code'."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, details = device.verify_is_allowed()
        if not allowed and details and "locked_until" in details:
            return _("Too many wrong codes: wait a few seconds before the next try.")
    return ""


class PasswordChange(PasswordChangeView):
    """One's own password: the old one, then the new one twice; the password rules apply; the session stays."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("organisation:profile")

    def form_valid(self, form):
        changed = run_service(form, lambda: services.change_password(
            actor=self.request.user, new_password=form.cleaned_data["new_password1"]))
        if changed is None:
            return self.form_invalid(form)
        update_session_auth_hash(self.request, changed)
        messages.success(self.request, _("Your password was changed."))
        return HttpResponseRedirect(self.get_success_url())


password_change = access.requires(Action.USE_API)(PasswordChange.as_view())


@access.requires(Action.MANAGE_STAFF)
def lockouts(request):
    """Usernames and addresses locked out of signing in now, each with a button to unlock it."""
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(form, lambda: services.unlock_sign_in(actor=request.user, username=data["username"],
                                                             address=data["address"])) is not None:
            messages.success(request, _("Unlocked: signing in may be tried again."))
            return redirect("organisation:lockouts")
    return render(request, "organisation/lockouts.html", {
        "form": form, "locked": lockout.current_lockouts(), "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)})
