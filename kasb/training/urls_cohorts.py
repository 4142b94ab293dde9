"""Cohorts, sessions, enrolments, rosters, grades and the learner's own page, under /<lang>/training/."""

from django.urls import URLPattern, URLResolver, path

from .views import cohorts, me

urlpatterns: list[URLPattern | URLResolver] = [
    # Staff: cohorts and what happens in them.
    path("cohorts/", cohorts.cohort_list, name="cohorts"),
    path("cohorts/new/", cohorts.cohort_new, name="cohort_new"),
    path("cohorts/at-risk/", cohorts.at_risk, name="at_risk"),
    path("cohorts/<int:pk>/", cohorts.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/schedule/", cohorts.cohort_schedule, name="cohort_schedule"),
    path("cohorts/<int:pk>/sessions/", cohorts.cohort_add_session, name="cohort_add_session"),
    path("cohorts/<int:pk>/enrol/", cohorts.cohort_enrol, name="cohort_enrol"),
    path("cohorts/<int:pk>/modules/<int:module_id>/grades/", cohorts.grades, name="grades"),
    path("enrolments/<int:pk>/", cohorts.enrolment_detail, name="enrolment"),
    path("roster/", cohorts.roster_today, name="roster_today"),
    path("sessions/<int:pk>/roster/", cohorts.roster, name="roster"),
    path("courses/", cohorts.course_list, name="courses"),
    path("courses/install/", cohorts.course_install, name="courses_install"),
    # A learner's own page.
    path("me/", me.my_learning, name="me"),
    path("me/offers/<int:pk>/", me.answer_offer, name="answer_offer"),
]
