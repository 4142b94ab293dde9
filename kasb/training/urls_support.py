"""Support that keeps people coming (/training/support/): equipment loans and tuition grants."""

from django.urls import URLPattern, URLResolver, path

from .views import support

urlpatterns: list[URLPattern | URLResolver] = [
    path("loans/", support.loans, name="loans"),
    path("loans/<int:pk>/return/", support.return_loan, name="loan_return"),
    path("tuition/", support.tuition_list, name="tuition"),
    path("enrolments/<int:enrolment_id>/tuition/", support.tuition_for, name="tuition_for"),
]
