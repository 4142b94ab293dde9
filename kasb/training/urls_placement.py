"""The placement test, under /<lang>/training/test/.

A participant (signed in) takes their partner's test at test/ (or test/<test id>/ when there are several);
an applicant takes a call's test at test/a/<application token>/<test id>/ with no account. Staff with
the manage-courses capability see each test's items and results at test/manage/.
"""

from django.urls import URLPattern, URLResolver, path, register_converter

from .views import placement


class TokenConverter:
    """An application's private token (URL-safe base64), and nothing else, reaches a query."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "placement_token")

urlpatterns: list[URLPattern | URLResolver] = [
    path("", placement.my_tests, name="test"),
    path("<int:test_id>/", placement.participant_test, name="test_take"),
    path("<int:test_id>/result/<int:number>/", placement.participant_result, name="test_result"),
    path("a/<placement_token:token>/<int:test_id>/", placement.applicant_test, name="test_applicant"),
    path("a/<placement_token:token>/<int:test_id>/result/<int:number>/", placement.applicant_result,
         name="test_applicant_result"),
    path("manage/", placement.manage_list, name="test_manage"),
    path("manage/<int:test_id>/", placement.manage_detail, name="test_manage_detail"),
]
