"""Certificate pages: a person's own certificates (participants, and staff trained on a training-of-trainers
cohort), their PDF and Open Badges download; for staff, completing a cohort's enrolments and revoking.

Thin views: reads are scoped by the acting principal, every write is a call to services.certificates, and a
DomainError is shown to the person (beside the field it names, or as a message). Something outside a
person's scope is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kasb.core.errors import Conflict, DomainError, PermissionDenied
from kasb.core.permissions import Cap, Principal
from kasb.core.translated import LANGUAGE_CODES, pick
from kasb.skills.models import VerifiedSkill

from ..models import Certificate, Cohort, Enrolment
from ..queries import cohorts_for
from ..services import certificates as service
from ..services.support import may_grant_tuition

PAGE_SIZE = 50
S = Enrolment.Status


def _principal(request: HttpRequest) -> Principal:
    return request.principal  # type: ignore[attr-defined, no-any-return]


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _visible(request: HttpRequest, code: str) -> Certificate:
    normalised = service.normalise_code(code)
    if normalised is None:
        raise Http404
    return get_object_or_404(service.certificates_visible_to(_principal(request)), code=normalised)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is it revoked?"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("Kept inside your organisation. The public page says only "
                                                    "that the certificate was revoked, and when."))


# --- a person's own certificates ------------------------------------------------------------------

@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    own = list(service.own_certificates(principal))
    base = _base_url(request)
    rows = [{"certificate": c, "course": pick(c.course_title),
             "verify_url": service.verification_url(c.code, base, request.LANGUAGE_CODE)} for c in own]
    issuer = principal.can(Cap.ISSUE_CERTIFICATES)
    return render(request, "training/certificates/mine.html", {"rows": rows, "issuer": issuer})


def _language(request: HttpRequest, certificate: Certificate) -> str:
    asked = (request.GET.get("language") or "").strip()
    if asked in LANGUAGE_CODES:
        return asked
    return service.holder_language(certificate, request.LANGUAGE_CODE)


@login_required
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The certificate as a PDF, in the holder's language (or ?language=xx), with a QR code to verify it."""
    certificate = _visible(request, code)
    pdf = service.certificate_pdf(certificate, base_url=_base_url(request), language=_language(request, certificate))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_badge(request: HttpRequest, code: str) -> HttpResponse:
    """The certificate as an Open Badges 3.0 credential, to keep in a wallet or show an employer."""
    certificate = _visible(request, code)
    badge = service.open_badge(certificate, _base_url(request))
    response = HttpResponse(json.dumps(badge, ensure_ascii=False, indent=2), content_type="application/ld+json")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.json"'
    return response


# --- staff: certificates issued, one certificate, revoking ---------------------------------------

def _need_issuer(principal: Principal) -> None:
    if not principal.can(Cap.ISSUE_CERTIFICATES):
        raise PermissionDenied(_("You do not have permission to do this."))


@login_required
def issued(request: HttpRequest) -> HttpResponse:
    """Certificates of the cohorts in the person's scope, newest first, optionally one cohort's."""
    principal = _principal(request)
    _need_issuer(principal)
    cohorts = cohorts_for(principal, Cap.ISSUE_CERTIFICATES)
    qs = (Certificate.objects.filter(enrolment__cohort__in=cohorts.values("pk"))
          .select_related("enrolment__cohort__course__partner").order_by("-issued_at", "-pk"))
    cohort_id = request.GET.get("cohort", "")
    if cohort_id.isdigit():
        qs = qs.filter(enrolment__cohort_id=int(cohort_id))
    state = request.GET.get("state", "")
    if state == "valid":
        qs = qs.filter(revoked_at__isnull=True)
    elif state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "training/certificates/issued.html", {
        "page": page, "query": query.urlencode(), "state": state, "cohort_id": cohort_id,
        "cohorts": cohorts.order_by("-starts_on", "name")[:200]})


def _detail_context(request: HttpRequest, certificate: Certificate, form: RevokeForm | None = None) -> dict[str, Any]:
    principal = _principal(request)
    staff = principal.can(Cap.ISSUE_CERTIFICATES) and not service.is_holder(principal, certificate)
    skills = VerifiedSkill.objects.filter(evidence_type=service.EVIDENCE_TYPE, evidence_id=certificate.code
                                          ).select_related("skill").order_by("skill__code")
    may_revoke = certificate.revoked_at is None and service.may_revoke(principal, certificate)
    return {"certificate": certificate, "course": pick(certificate.course_title), "staff": staff,
            "skills": skills, "may_revoke": may_revoke, "form": form or (RevokeForm() if may_revoke else None),
            "verify_url": service.verification_url(certificate.code, _base_url(request), request.LANGUAGE_CODE)}


@login_required
def certificate_detail(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _visible(request, code)
    return render(request, "training/certificates/detail.html", _detail_context(request, certificate))


@login_required
@require_POST
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _visible(request, code)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            service.revoke_certificate(actor=_principal(request), certificate=certificate,
                                       reason=form.cleaned_data["reason"])
        except PermissionDenied:
            raise
        except DomainError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(request, _("Certificate %(code)s is revoked. Its verification page now says so, and "
                                        "the skills it proved are withdrawn.") % {"code": certificate.code})
            return redirect("training:certificate", certificate.code)
    return render(request, "training/certificates/detail.html", _detail_context(request, certificate, form),
                  status=400)


# --- staff: completing a cohort's enrolments -----------------------------------------------------

@login_required
def completion_cohorts(request: HttpRequest) -> HttpResponse:
    """The cohorts whose enrolments the person may complete, with how many are active and completed."""
    principal = _principal(request)
    _need_issuer(principal)
    cohorts = cohorts_for(principal, Cap.ISSUE_CERTIFICATES).annotate(
        active=Count("enrolments", filter=Q(enrolments__status=S.ACTIVE), distinct=True),
        completed=Count("enrolments", filter=Q(enrolments__status=S.COMPLETED), distinct=True),
    ).order_by("-starts_on", "name")
    page = Paginator(cohorts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/certificates/cohorts.html", {"page": page})


def _cohort_rows(request: HttpRequest, cohort: Cohort, only: int | None = None) -> list[dict[str, Any]]:
    enrolments = (cohort.enrolments.filter(status__in=[S.ACTIVE, S.COMPLETED, S.DROPPED])
                  .select_related("participant", "staff").order_by("status", "pk"))
    if only is not None:
        enrolments = enrolments.filter(pk=only)
    enrolments_list = list(enrolments)
    statuses = service.completion_statuses(enrolments_list)
    certificates = {c.enrolment_id: c for c in Certificate.objects.filter(enrolment__in=enrolments_list)}
    tuition = may_grant_tuition(_principal(request), cohort)
    return [{"enrolment": e, "status": statuses[e.pk], "certificate": certificates.get(e.pk), "tuition": tuition}
            for e in enrolments_list]


def _completion_cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    principal = _principal(request)
    _need_issuer(principal)
    return get_object_or_404(cohorts_for(principal, Cap.ISSUE_CERTIFICATES), pk=cohort_id)


@login_required
def completion(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """One cohort: each learner against the completion rule, with the reasons, and a button to complete."""
    cohort = _completion_cohort(request, cohort_id)
    return render(request, "training/certificates/completion.html", {
        "cohort": cohort, "rows": _cohort_rows(request, cohort)})


@login_required
@require_POST
def complete(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    principal = _principal(request)
    _need_issuer(principal)
    enrolment = get_object_or_404(Enrolment.objects.select_related("cohort", "participant", "staff").filter(
        cohort__in=cohorts_for(principal, Cap.ISSUE_CERTIFICATES).values("pk")), pk=enrolment_id)
    error = ""
    try:
        certificate = service.complete_enrolment(actor=principal, enrolment=enrolment)
    except Conflict as exc:
        error = exc.message
        if not _htmx(request):
            messages.error(request, exc.message)
    else:
        if not _htmx(request):
            messages.success(request, _("%(name)s completed the course. Certificate %(code)s is issued.")
                             % {"name": enrolment.learner_name, "code": certificate.code})
    if _htmx(request):
        rows = _cohort_rows(request, enrolment.cohort, only=enrolment.pk)
        return render(request, "training/certificates/completion.html#row",
                      {"row": rows[0], "cohort": enrolment.cohort, "error": error})
    return redirect("training:completion", enrolment.cohort_id)

