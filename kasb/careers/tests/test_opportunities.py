"""Opportunities, matching, applications and placements: who may, what each side sees, and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.permissions import Principal
from kasb.participants.models import Participant

from ..models import ApplicationChange, CareerApplication, FollowUp, Opportunity, Placement
from ..queries import applications_received_by, candidates_for, matches_for, opportunities_managed_by
from ..services.applications import apply, move_application, record_placement
from ..services.cv import save_preferences, start_cv, update_cv
from ..services.opportunities import post_opportunity, recommend, set_opportunity_status, update_opportunity
from .conftest import principal_of

S = CareerApplication.Status
pytestmark = pytest.mark.django_db


def _with_cv(person: Participant, **values: Any) -> None:
    me = principal_of(person)
    cv = start_cv(actor=me, participant=person)
    if values:
        update_cv(actor=me, cv=cv, **values)


def test_an_employer_member_posts_only_for_their_own_employer(employer: Principal, rival: Principal,
                                                              world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        post_opportunity(actor=rival, employer=world["employer"], kind="job", title="Clerk", remote=True)
    mine = post_opportunity(actor=employer, employer=world["employer"], kind="job", title="Clerk", remote=True)
    assert list(opportunities_managed_by(employer)) == [mine]
    assert list(opportunities_managed_by(rival)) == []
    with pytest.raises(PermissionDenied):
        update_opportunity(actor=rival, opportunity=mine, title="Mine now")


def test_a_coordinator_posts_for_any_employer_of_their_partner(coordinator: Principal, world: dict[str, Any],
                                                               root: Principal) -> None:
    from kasb.orgs.services import create_organisation
    post_opportunity(actor=coordinator, employer=world["employer"], kind="job", title="Clerk", remote=True)
    elsewhere = create_organisation(actor=root, kind="employer", name="Tunis Jobs", country="TN",
                                    parent=world["other"])
    with pytest.raises(PermissionDenied):
        post_opportunity(actor=coordinator, employer=elsewhere, kind="job", title="Clerk", remote=True)


@pytest.mark.parametrize(("values", "field"), [
    ({"kind": "gig"}, "kind"),
    ({"title": "  "}, "title"),
    ({"remote": False, "area": None}, "area"),
    ({"area": "TN-11"}, "area"),
    ({"pay": "12,5", "pay_currency": "JOD"}, "pay"),
    ({"pay": "10", "pay_currency": "XXX"}, "currency"),
    ({"pay": "-3", "pay_currency": "JOD"}, "pay"),
    ({"skills": ["no-such-skill"]}, "skills"),
    ({"starts_on": "2027-05-01", "ends_on": "2027-04-01"}, "ends_on"),
    ({"apply_by": "next week"}, "apply_by"),
])
def test_bad_opportunity_input_names_the_field(employer: Principal, world: dict[str, Any], values: dict[str, Any],
                                               field: str) -> None:
    base = {"kind": "job", "title": "Clerk", "area": "JO-IR"}
    with pytest.raises(ValidationFailed) as error:
        post_opportunity(actor=employer, employer=world["employer"], **{**base, **values})
    assert error.value.field == field
    assert not Opportunity.objects.exists()


def test_matching_shows_which_skills_matched_and_ranks_by_them(make_person: Any, internship: Opportunity,
                                                               employer: Principal, world: dict[str, Any],
                                                               coordinator: Principal) -> None:
    both = make_person(skills=("data-entry", "email"))
    one = make_person(skills=("email",))
    remote_job = post_opportunity(actor=employer, employer=world["employer"], kind="job", title="Remote typist",
                                  remote=True, skills=["data-entry", "web-development"])
    far_away = post_opportunity(actor=employer, employer=world["employer"], kind="job", title="Aqaba clerk",
                                area="JO-AQ", skills=["email"])
    found = matches_for(both)
    assert [m.opportunity for m in found] == [internship, remote_job]  # Aqaba is neither their area nor remote
    assert [s.code for s in found[0].matched] == ["data-entry", "email"]
    assert [s.code for s in found[1].matched] == ["data-entry"] and [s.code for s in found[1].missing] == [
        "web-development"]
    assert [m.opportunity for m in matches_for(one)] == [internship]  # no skill of the remote job
    # Preferences: a kind of work, and another area.
    save_preferences(actor=principal_of(one) if one.user_id else coordinator, participant=one, kinds=["job"],
                     area_codes=["JO-AQ"], remote=False)
    assert [m.opportunity for m in matches_for(one)] == [far_away]
    set_opportunity_status(actor=employer, opportunity=far_away, status="closed")
    assert matches_for(one) == []


def test_a_coordinator_sees_the_best_candidates_in_scope_and_recommends(make_person: Any, internship: Opportunity,
                                                                       coordinator: Principal,
                                                                       employer: Principal) -> None:
    best = make_person(given_name="Best", skills=("data-entry", "email"))
    half = make_person(given_name="Half", skills=("email",), area="JO-AM")
    make_person(given_name="None", skills=("web-development",))
    make_person(given_name="Elsewhere", skills=("data-entry", "email"), centre="zaatari", area="JO-MA")
    found = candidates_for(coordinator, internship)
    assert [c.participant.given_name for c in found] == ["Best", "Half"]  # Zaatari is not the coordinator's centre
    assert [s.code for s in found[0].matched] == ["data-entry", "email"] and found[0].in_area
    assert not found[1].in_area
    recommend(actor=coordinator, opportunity=internship, participant=half)
    recommend(actor=coordinator, opportunity=internship, participant=half)  # once
    assert internship.recommendations.count() == 1
    assert matches_for(half)[0].recommended
    with pytest.raises(PermissionDenied):
        recommend(actor=employer, opportunity=internship, participant=best)


def test_apply_needs_a_cv_and_happens_once(make_person: Any, internship: Opportunity) -> None:
    person = make_person(login=True, skills=("data-entry",))
    me = principal_of(person)
    with pytest.raises(ValidationFailed) as error:
        apply(actor=me, opportunity=internship)
    assert error.value.code == "cv_missing"
    _with_cv(person, headline="Careful data clerk")
    application = apply(actor=me, opportunity=internship, message="I would love to")
    assert application.cv_snapshot["headline"] == "Careful data clerk"
    with pytest.raises(Conflict):
        apply(actor=me, opportunity=internship)


def test_an_employer_sees_only_applications_to_them_and_no_protected_attribute(
        make_person: Any, internship: Opportunity, employer: Principal, rival: Principal,
        world: dict[str, Any]) -> None:
    person = make_person(login=True, skills=("data-entry",), nationality="SY", displacement_status="refugee",
                         gender_identity="non-binary")
    _with_cv(person)
    other_job = post_opportunity(actor=rival, employer=world["rival"], kind="job", title="Rival job", remote=True)
    apply(actor=principal_of(person), opportunity=internship)
    assert applications_received_by(rival).count() == 0
    with pytest.raises(NotFound):
        move_application(actor=rival, application=CareerApplication.objects.get(), to=S.SHORTLISTED)
    application = applications_received_by(employer).get()
    shown = str(application.cv_snapshot) + application.cv_text
    for secret in ("SY", "refugee", "non-binary", "+96279300", "1 9", "2003", "945-", "947-"):
        assert secret not in shown
    assert set(application.cv_snapshot) >= {"name", "skills", "certificates", "microwork"}
    assert other_job.applications.count() == 0


def test_status_moves_record_who_and_when_and_placed_makes_a_placement(make_person: Any, internship: Opportunity,
                                                                     employer: Principal) -> None:
    person = make_person(login=True, skills=("data-entry",))
    _with_cv(person)
    me = principal_of(person)
    application = apply(actor=me, opportunity=internship)
    with pytest.raises(Conflict):
        move_application(actor=employer, application=application, to=S.PLACED)
    with pytest.raises(Conflict):  # the participant cannot shortlist themself
        move_application(actor=me, application=application, to=S.SHORTLISTED)
    for step in (S.SHORTLISTED, S.INTERVIEWED, S.OFFERED):
        move_application(actor=employer, application=application, to=step)
    placed = move_application(actor=employer, application=application, to=S.PLACED,
                              placement={"starts_on": "2027-01-15", "wage": "300", "wage_currency": "JOD",
                                         "wage_period": "month"})
    assert placed.status == S.PLACED
    history = list(ApplicationChange.objects.filter(application=application).values_list("to_status", "actor"))
    assert history == [(S.APPLIED, person.user_id)] + [(s, employer.user.pk) for s in (
        S.SHORTLISTED, S.INTERVIEWED, S.OFFERED, S.PLACED)]
    placement = Placement.objects.get()
    assert (placement.participant, placement.kind, placement.wage_minor, placement.wage_currency) == (
        person, "internship", 300_000, "JOD")
    assert [(f.months, f.due_on.isoformat()) for f in FollowUp.objects.order_by("months")] == [
        (3, "2027-04-15"), (6, "2027-07-15"), (12, "2028-01-15")]
    with pytest.raises(Conflict):
        move_application(actor=me, application=application, to=S.WITHDRAWN)


def test_a_participant_withdraws_and_declines_an_offer(make_person: Any, internship: Opportunity,
                                                       employer: Principal) -> None:
    person = make_person(login=True)
    _with_cv(person)
    me = principal_of(person)
    application = apply(actor=me, opportunity=internship)
    move_application(actor=employer, application=application, to=S.SHORTLISTED)
    move_application(actor=employer, application=application, to=S.INTERVIEWED)
    move_application(actor=employer, application=application, to=S.OFFERED)
    assert move_application(actor=me, application=application, to=S.DECLINED).status == S.DECLINED
    assert not Placement.objects.exists()


def test_staff_record_a_placement_found_elsewhere(make_person: Any, coordinator: Principal, employer: Principal,
                                                  world: dict[str, Any]) -> None:
    person = make_person()
    with pytest.raises(PermissionDenied):
        record_placement(actor=employer, participant=person, employer=world["employer"], kind="job",
                         title="Clerk", starts_on="2027-01-01")
    with pytest.raises(ValidationFailed) as error:
        record_placement(actor=coordinator, participant=person, employer=world["employer"], kind="job",
                         title="Clerk", starts_on="")
    assert error.value.field == "starts_on"
    placement = record_placement(actor=coordinator, participant=person, employer=world["employer"], kind="job",
                                 title="Clerk", starts_on="2027-01-31", wage="1.5", wage_currency="JOD",
                                 wage_period="hour")
    assert placement.wage_minor == 1500
    assert [f.due_on.isoformat() for f in placement.follow_ups.all()] == ["2027-04-30", "2027-07-31", "2028-01-31"]
