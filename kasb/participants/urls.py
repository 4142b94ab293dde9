from django.urls import path, register_converter

from . import views


class ReferenceConverter:
    """A participant reference: letters and digits only, so nothing odd (such as a NUL) reaches a query."""

    regex = "[0-9A-Za-z]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("register/", views.register, name="register"),
    path("me/", views.my_record, name="me"),
    path("me/consents/<str:purpose>/", views.my_consent, name="my_consent"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_status, name="import_status"),
    path("import/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("<reference:reference>/", views.participant_detail, name="detail"),
]
