"""The public verification page: anyone with a certificate's code (typed, or from its QR code) can check it.

No sign-in. It shows only what is printed on the certificate that matters to an employer: the holder's name,
the course, the issuing organisation and the date; a revoked certificate shows that, and when, never why;
a code that does not exist says so. Codes are read in any case, with or without dashes or spaces. Every
request counts against a per-address limit (30 a minute by default, KASB_RATE_LIMITS["verify"]).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from kasb.core.ratelimit import rate_limit
from kasb.core.translated import pick

from ..services import certificates as service

LIMIT = 30  # requests per minute per address, over all verification URLs


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Certificate code"), max_length=40,
                           help_text=gettext_lazy("16 letters and digits, printed under the QR code, "
                                                  "e.g. K7Q3-M9PX-2HNA-5TRE."),
                           widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off",
                                                         "autocapitalize": "characters", "spellcheck": "false"}))


def _private(response: HttpResponse) -> HttpResponse:
    # Names are on these pages: keep them out of search engines and shared caches; revocation shows at once.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-cache, private"
    return response


def _json(data: dict[str, Any], status: int = 200) -> HttpResponse:
    return _private(HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), status=status,
                                 content_type="application/ld+json"))


@rate_limit("verify", limit=LIMIT)
def verify_form(request: HttpRequest) -> HttpResponse:
    """/verify/: type a code; a well-formed one goes to its page."""
    form = CodeForm(request.GET or None)
    if form.is_valid():
        code = service.normalise_code(form.cleaned_data["code"])
        if code is not None:
            return redirect("verify:certificate", code)
        form.add_error("code", gettext_lazy("This is not a certificate code. It has 16 letters and digits, "
                                            "e.g. K7Q3-M9PX-2HNA-5TRE."))
    return _private(render(request, "training/certificates/verify.html", {"form": form, "state": "form"},
                           status=400 if form.errors else 200))


@rate_limit("verify", limit=LIMIT)
def verify_certificate(request: HttpRequest, code: str) -> HttpResponse:
    certificate = service.find_certificate(code)
    if certificate is None:
        return _private(render(request, "training/certificates/verify.html", {
            "state": "not_found", "typed": code[:40], "form": CodeForm()}, status=404))
    course = certificate.enrolment.cohort.course
    return _private(render(request, "training/certificates/verify.html", {
        "state": "revoked" if certificate.revoked_at else "valid", "code": certificate.code,
        "holder_name": certificate.holder_name, "course": pick(certificate.course_title) or course.code,
        "partner": course.partner.name, "issued_at": certificate.issued_at, "revoked_at": certificate.revoked_at,
    }))


@rate_limit("verify", limit=LIMIT)
def badge(request: HttpRequest, code: str) -> HttpResponse:
    """The Open Badges 3.0 credential of a certificate (public: nothing in it that the page does not show)."""
    certificate = service.find_certificate(code)
    if certificate is None:
        return _json({"code": "not_found", "message": str(gettext_lazy("No certificate has this code."))}, 404)
    return _json(service.open_badge(certificate, request.build_absolute_uri("/").rstrip("/")))


@rate_limit("verify", limit=LIMIT)
def status_list(request: HttpRequest, code: str) -> HttpResponse:
    """The 1EdTech revocation list a credential's credentialStatus points to."""
    certificate = service.find_certificate(code)
    if certificate is None:
        return _json({"code": "not_found", "message": str(gettext_lazy("No certificate has this code."))}, 404)
    return _json(service.revocation_list(certificate, request.build_absolute_uri("/").rstrip("/")))
