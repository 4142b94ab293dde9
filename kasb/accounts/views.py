from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kasb.core.errors import DomainError
from kasb.core.ratelimit import rate_limit

from . import services
from .forms import ResetCodeForm, ResetPhoneForm, SignInForm, TokenForm


def _next_url(request: HttpRequest, language: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    with override(language):
        return reverse("web:dashboard")


def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(request=request, identifier=form.cleaned_data["identifier"],
                                    password=form.cleaned_data["password"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)
            response = redirect(_next_url(request, user.language))
            response.set_cookie("kasb_language", user.language, samesite="Lax")
            return response
    return render(request, "accounts/sign_in.html", {"form": form, "next": request.GET.get("next", "")},
                  status=400 if form.errors else 200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app on first sign-in, then ask for its code on every sign-in."""
    user = request.user
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        try:
            device = (services.verify_totp(user=user, token=token) if has_device  # type: ignore[arg-type]
                      else services.confirm_totp_device(user=user, token=token))  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            if not has_device:
                messages.success(request, _("Two-step sign-in is on. You will need your app each time."))
            return redirect(_next_url(request, user.language))  # type: ignore[union-attr]
    context = {"form": form, "has_device": has_device}
    if not has_device:
        device = services.pending_totp_device(user=user)  # type: ignore[arg-type]
        context["qr"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


RESET_PHONE = "kasb_reset_phone"


@rate_limit("password_sms", limit=5, window=600)
def reset_by_sms(request: HttpRequest) -> HttpResponse:
    """Step 1: the phone number. The answer is the same whether or not it has an account."""
    form = ResetPhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            number = services.send_reset_code(phone=form.cleaned_data["phone"])
        except DomainError as exc:
            form.add_error("phone", exc.message)
        else:
            request.session[RESET_PHONE] = number
            return redirect("accounts:password_sms_code")
    return render(request, "accounts/password_sms.html", {"form": form}, status=400 if form.errors else 200)


@rate_limit("password_sms_code", limit=20, window=600)
def reset_by_sms_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code and the new password."""
    phone = request.session.get(RESET_PHONE)
    if not phone:
        return redirect("accounts:password_sms")
    form = ResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password_with_code(phone=phone, code=form.cleaned_data["code"],
                                           password=form.cleaned_data["password1"])
        except DomainError as exc:
            form.add_error({"code": "code", "password": "password1"}.get(exc.field or ""), exc.message)
        else:
            request.session.pop(RESET_PHONE, None)
            messages.success(request, _("Your new password is set. Sign in with it now."))
            return redirect("accounts:login")
    return render(request, "accounts/password_sms_code.html", {"form": form, "phone": phone},
                  status=400 if form.errors else 200)
