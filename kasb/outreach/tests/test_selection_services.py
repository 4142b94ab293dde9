"""Selection as a coordinator does it: scores with reasons, targets, decisions on record, the waiting list,
kind messages, and enrolment into a cohort."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils.translation import gettext, override

from kasb.conftest import registration
from kasb.core.errors import Conflict, PermissionDenied, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal, Role
from kasb.orgs.queries import principal_for_user
from kasb.outreach import services
from kasb.outreach.models import Application, ApplicationChange, Call
from kasb.outreach.queries import ranked_applications, target_rows
from kasb.participants.models import Consent, Participant
from kasb.participants.services import register_participant
from kasb.training.models import Cohort, Enrolment, EnrolmentChange
from kasb.training.models import TestAttempt as Attempt

from .conftest import attempt, sms_messages

S = Application.Status


def test_the_stored_score_shows_its_parts(call: Call, coordinator: Principal,
                                          apply: Callable[..., Application]) -> None:
    app = apply(1)
    attempt(app, 45, number=1)
    best = attempt(app, 80, number=2)
    services.rate_motivation(actor=coordinator, application=app, rating=3)
    app.refresh_from_db()
    parts = app.score_parts
    assert parts["motivation"]["points"] == 12          # 3 × 4
    assert parts["test"]["points"] == 32                # best of two attempts: 80% × 40
    assert parts["test"]["attempt"] == best.pk and app.test_attempt == best
    assert parts["vulnerability"] == {"refugees": 15, "women": 10}
    assert app.score == 12 + 32 + 25
    with pytest.raises(ValidationFailed):
        services.rate_motivation(actor=coordinator, application=app, rating=6)


def test_every_decision_records_who_when_and_why(call: Call, coordinator: Principal,
                                                 apply: Callable[..., Application]) -> None:
    a, b, c = apply(1), apply(2), apply(3)
    services.select_application(actor=coordinator, application=a, reason="Strong motivation")
    services.waitlist_application(actor=coordinator, application=b)
    with pytest.raises(ValidationFailed) as caught:
        services.reject_application(actor=coordinator, application=c, reason="  ")
    assert caught.value.field == "reason"
    services.reject_application(actor=coordinator, application=c, reason="Lives too far from the centre")
    for app, why in ((a, "Strong motivation"), (b, "Put on the waiting list (score 25)."),
                     (c, "Lives too far from the centre")):
        app.refresh_from_db()
        change = ApplicationChange.objects.filter(application=app).last()
        assert change is not None and change.actor == coordinator.user and change.reason == why
        assert (app.decided_by, app.decision_reason) == (coordinator.user, why) and app.decided_at
        event = AuditEvent.objects.filter(object_id=str(app.pk), verb=f"application.{app.status}").get()
        assert event.actor == coordinator.user and event.data["reason"] == why
    # Moves outside the state machine are refused.
    services.withdraw_application(actor=coordinator, application=b, reason="Found a job")
    with pytest.raises(Conflict):
        services.select_application(actor=coordinator, application=b)


def test_rejected_applicants_are_told_kindly_in_their_language(call: Call, coordinator: Principal,
                                                               apply: Callable[..., Application],
                                                               django_capture_on_commit_callbacks: Any) -> None:
    app = apply(1, language="ar")
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_application(actor=coordinator, application=app, reason="Motivation unclear",
                                    base_url="https://kasb.example")
    message = sms_messages()[-1]
    assert message["to"] == "+962791200001"
    assert app.reference in message["text"] and "Motivation unclear" not in message["text"]
    assert f"https://kasb.example/ar/apply/status/{app.token}/" in message["text"]
    with override("ar"):
        opening = gettext("Thank you for applying to “%(call)s” (reference %(ref)s). Many people applied for few "
                          "places, and we cannot offer you one this time. We hope you will apply to our next "
                          "call. %(link)s").split("%(call)s")[0]
    assert opening and message["text"].startswith(opening)
    assert "المهارات الرقمية، إربد" in message["text"]  # the call's own Arabic title


def test_selection_never_goes_beyond_the_places(call: Call, coordinator: Principal,
                                                apply: Callable[..., Application]) -> None:
    Call.objects.filter(pk=call.pk).update(places=2)
    call.refresh_from_db()
    apps = [apply(n) for n in range(3)]
    services.select_application(actor=coordinator, application=apps[0])
    services.select_application(actor=coordinator, application=apps[1])
    with pytest.raises(Conflict) as caught:
        services.select_application(actor=coordinator, application=apps[2])
    assert caught.value.code == "call_full" and "All 2 places are taken" in caught.value.message


def test_an_ineligible_applicant_cannot_be_selected(call: Call, coordinator: Principal,
                                                    apply: Callable[..., Application]) -> None:
    app = apply(1)
    Call.objects.filter(pk=call.pk).update(max_age=20)  # the rules changed after they applied
    app.refresh_from_db()
    with pytest.raises(ValidationFailed) as caught:
        services.select_application(actor=coordinator, application=app)
    assert caught.value.code == "not_eligible" and "outside 17–20" in caught.value.message


def test_fill_targets_meets_each_target_then_fills_by_score(call: Call, manager: Principal,
                                                            apply: Callable[..., Application]) -> None:
    # 10 places; women 60% (6), refugees 30% (3). Men who are not refugees score highest (motivation 5).
    men = [apply(n, sex="male", displacement_status="host_community") for n in range(8)]
    women = [apply(10 + n, displacement_status="host_community") for n in range(7)]
    refugees = [apply(20 + n, sex="male") for n in range(4)]
    for app in men:
        services.rate_motivation(actor=manager, application=app, rating=5)
    result = services.fill_targets(actor=manager, call=call)
    assert len(result.selected) == 10 and result.unmet == {}
    chosen = set(Application.objects.filter(status=S.SELECTED).values_list("pk", flat=True))
    assert len(chosen) == 10
    assert sum(a.pk in chosen for a in women) >= 6 and sum(a.pk in chosen for a in refugees) >= 3
    rows = {t.group: t for t in target_rows(call)}
    assert rows["women"].met and rows["refugees"].met
    # Why each was picked is on record.
    reasons = list(ApplicationChange.objects.filter(to_status=S.SELECTED).values_list("reason", flat=True))
    assert any("for the target: Women and girls" in r for r in reasons)
    assert any("Filled automatically by score" in r for r in reasons)
    # Nothing is left to fill: a second run selects nobody and never exceeds the places.
    assert services.fill_targets(actor=manager, call=call).selected == []
    assert Application.objects.filter(status=S.SELECTED).count() == 10


def test_fill_targets_fills_what_it_can_and_says_which_target_it_could_not_meet(
        call: Call, manager: Principal, apply: Callable[..., Application]) -> None:
    # Only two women applied; the women target (60% of 10 = 6) cannot be met.
    [apply(n, displacement_status="host_community") for n in range(2)]
    [apply(10 + n, sex="male") for n in range(12)]
    rejected = apply(30)  # a woman already turned down by a person is not picked by the machine
    services.reject_application(actor=manager, application=rejected, reason="Already in another programme")
    result = services.fill_targets(actor=manager, call=call)
    assert len(result.selected) == 10
    assert result.unmet == {"women": {"count": 2, "needed": 6, "why": "no_applicants"}}
    rejected.refresh_from_db()
    assert rejected.status == S.REJECTED
    women = next(t for t in target_rows(call) if t.group == "women")
    assert (women.count, women.share, women.met) == (2, 20, False)


def test_withdrawal_offers_the_place_to_the_best_ranked_on_the_waiting_list(
        call: Call, coordinator: Principal, apply: Callable[..., Application],
        django_capture_on_commit_callbacks: Any) -> None:
    Call.objects.filter(pk=call.pk).update(places=1)
    call.refresh_from_db()
    holder, second, first = apply(1), apply(2, language="fr"), apply(3, language="ar")
    services.select_application(actor=coordinator, application=holder)
    services.waitlist_application(actor=coordinator, application=second)
    services.waitlist_application(actor=coordinator, application=first)
    services.rate_motivation(actor=coordinator, application=first, rating=4)  # ranks above `second`
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_application(actor=coordinator, application=holder, reason="Declined: moved to Amman")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.SELECTED, S.WAITLISTED)
    assert "A place opened" in first.decision_reason and first.decided_by == coordinator.user
    assert sms_messages()[-1]["to"] == "+962791200003"
    # With no free place, nothing more happens.
    assert services.fill_from_waitlist(actor=coordinator, call=call) == []


def test_an_applicant_withdrawing_themselves_frees_their_place(
        call: Call, coordinator: Principal, apply: Callable[..., Application]) -> None:
    Call.objects.filter(pk=call.pk).update(places=1)
    call.refresh_from_db()
    holder, waiting = apply(1), apply(2)
    services.select_application(actor=coordinator, application=holder)
    services.waitlist_application(actor=coordinator, application=waiting)
    services.withdraw_own_application(token=holder.token)
    waiting.refresh_from_db()
    assert waiting.status == S.SELECTED and waiting.decided_by is None
    assert ApplicationChange.objects.filter(application=holder, to_status=S.WITHDRAWN, actor=None).exists()


def test_enrol_selected_registers_the_participant_and_offers_a_place(
        call: Call, coordinator: Principal, cohort: Cohort, apply: Callable[..., Application],
        world: dict[str, Any]) -> None:
    app = apply(1, preferred_centre=world["irbid"], consent_monitoring=True, disability_walking=4)
    test_attempt = attempt(app, 70)
    services.select_application(actor=coordinator, application=app)
    enrolment = services.enrol_selected(actor=coordinator, application=app, cohort=cohort)
    app.refresh_from_db()
    person = app.participant
    assert person is not None and app.status == S.ENROLLED
    assert (person.given_name, person.partner, person.centre) == ("Applicant1", world["partner"], world["irbid"])
    assert person.phone == "+962791200001" and person.displacement_status == "refugee"
    assert person.disability == {"seeing": 1, "walking": 4}
    assert set(Consent.objects.filter(participant=person).values_list("purpose", flat=True)) == {
        "registration", "contact", "monitoring"}
    assert (enrolment.participant, enrolment.cohort, enrolment.status) == (person, cohort, Enrolment.Status.OFFERED)
    assert app.reference in EnrolmentChange.objects.get(enrolment=enrolment).reason
    test_attempt.refresh_from_db()
    assert test_attempt.participant == person
    # Enrolled once: a second try is refused and registers nobody.
    with pytest.raises(Conflict):
        services.enrol_selected(actor=coordinator, application=app, cohort=cohort)
    assert Participant.objects.count() == 1


def test_enrol_selected_reuses_the_participant_already_registered(
        call: Call, coordinator: Principal, cohort: Cohort, apply: Callable[..., Application],
        world: dict[str, Any]) -> None:
    app = apply(1)
    answers: Any = app.answers
    existing = register_participant(actor=coordinator, partner=world["partner"], data=registration(
        given_name=app.given_name, family_name=app.family_name, date_of_birth=answers["date_of_birth"],
        phone="+962791200001", centre=world["irbid"]))
    services.select_application(actor=coordinator, application=app)
    services.enrol_selected(actor=coordinator, application=app, cohort=cohort)
    app.refresh_from_db()
    assert app.participant == existing and Participant.objects.count() == 1


def test_a_full_cohort_leaves_nobody_half_registered(call: Call, coordinator: Principal, cohort: Cohort,
                                                     apply: Callable[..., Application]) -> None:
    Cohort.objects.filter(pk=cohort.pk).update(capacity=0)
    cohort.refresh_from_db()
    app = apply(1)
    services.select_application(actor=coordinator, application=app)
    with pytest.raises(Conflict) as caught:
        services.enrol_selected(actor=coordinator, application=app, cohort=cohort)
    assert caught.value.code == "cohort_full"
    app.refresh_from_db()
    assert app.status == S.SELECTED and app.participant is None and Participant.objects.count() == 0
    assert Attempt.objects.filter(participant__isnull=False).count() == 0


def test_only_staff_of_the_calls_partner_may_select(call: Call, member: Callable[..., Any],
                                                    apply: Callable[..., Application], world: dict[str, Any]) -> None:
    app = apply(1)
    trainer = principal_for_user(member(Role.TRAINER))
    elsewhere = principal_for_user(member(Role.COORDINATOR, "zaatari"))  # a centre the call does not list
    other_partner = principal_for_user(member(Role.PROGRAMME_MANAGER, "other"))
    for who in (trainer, elsewhere, other_partner):
        with pytest.raises(PermissionDenied):
            services.select_application(actor=who, application=app)
        with pytest.raises(PermissionDenied):
            services.fill_targets(actor=who, call=call)
    coordinator = principal_for_user(member(Role.COORDINATOR))
    with pytest.raises(PermissionDenied):  # coordinators select; programme managers manage calls
        services.close_call(actor=coordinator, call=call)
    assert [r.application.status for r in ranked_applications(call)] == [S.SUBMITTED]
