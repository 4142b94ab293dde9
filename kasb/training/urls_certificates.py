"""Certificates (/training/certificates/): a learner's own, completion by staff, revocation."""

from django.urls import URLPattern, URLResolver, path

from .views import certificates

urlpatterns: list[URLPattern | URLResolver] = [
    path("", certificates.my_certificates, name="certificates"),
    path("issued/", certificates.issued, name="certificates_issued"),
    path("cohorts/", certificates.completion_cohorts, name="completion_cohorts"),
    path("cohorts/<int:cohort_id>/", certificates.completion, name="completion"),
    path("enrolments/<int:enrolment_id>/complete/", certificates.complete, name="complete"),
    # One certificate (its code has dashes, never a slash).
    path("<str:code>/", certificates.certificate_detail, name="certificate"),
    path("<str:code>/certificate.pdf", certificates.certificate_pdf, name="certificate_pdf"),
    path("<str:code>/badge.json", certificates.certificate_badge, name="certificate_badge"),
    path("<str:code>/revoke/", certificates.revoke, name="certificate_revoke"),
]
