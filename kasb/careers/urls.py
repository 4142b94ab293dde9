"""Every careers page, under <lang>/careers/ in the "careers" namespace."""

from django.urls import URLPattern, URLResolver, path

from .views import mine, staff

app_name = "careers"

urlpatterns: list[URLPattern | URLResolver] = [
    # A participant's own pages.
    path("", mine.my_careers, name="me"),
    path("cv/", mine.cv_edit, name="cv"),
    path("cv/entries/", mine.cv_entry_add, name="cv_entry_add"),
    path("cv/entries/<int:pk>/remove/", mine.cv_entry_remove, name="cv_entry_remove"),
    path("cv/languages/", mine.cv_language, name="cv_language"),
    path("cv/pdf/", mine.cv_download, name="cv_pdf"),
    path("cv/text/", mine.cv_plain, name="cv_text"),
    path("opportunities/", mine.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/", mine.opportunity, name="opportunity"),
    path("applications/<int:pk>/withdraw/", mine.withdraw, name="withdraw"),
    path("referrals/<int:pk>/stop-sharing/", mine.stop_sharing, name="stop_sharing"),
    path("events/", mine.events, name="events"),
    path("events/<int:pk>/", mine.event, name="event"),
    path("mentoring/", mine.mentoring, name="mentoring"),
    path("info/", mine.info_pages, name="info_pages"),
    path("info/<slug:slug>/", mine.info_page, name="info_page"),
    # Career staff and employers.
    path("manage/events/", staff.manage_events, name="manage_events"),
    path("manage/events/<int:pk>/", staff.event_manage, name="event_manage"),
    path("manage/registrations/<int:pk>/cancel/", staff.cancel_registration, name="registration_cancel"),
    path("manage/registrations/<int:pk>/attendance/", staff.registration_attendance,
         name="registration_attendance"),
    path("check-in/<str:token>/", staff.checkin, name="checkin"),
    path("manage/opportunities/", staff.manage_opportunities, name="manage_opportunities"),
    path("manage/opportunities/<int:pk>/", staff.opportunity_manage, name="opportunity_manage"),
    path("manage/applications/<int:pk>/", staff.application, name="application"),
    path("manage/events/<int:pk>/update/", staff.event_update, name="event_update"),
    path("manage/participants/", staff.participants, name="participants"),
    path("manage/participants/<int:pk>/", staff.participant_record, name="participant"),
    path("manage/placements/<int:pk>/", staff.placement_update, name="placement_update"),
    path("manage/referrals/<int:pk>/", staff.referral, name="referral"),
    path("manage/info/", staff.manage_pages, name="manage_pages"),
    path("manage/info/new/", staff.edit_page, name="page_new"),
    path("manage/info/<slug:slug>/", staff.edit_page, name="page_edit"),
]
