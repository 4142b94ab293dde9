from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from kasb.accounts.models import User
from kasb.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kasb.core.models import AuditEvent
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import ApiKey, Area, Membership, Organisation
from kasb.orgs.queries import principal_for_user
from kasb.orgs.services import (
    add_member,
    authenticate_api_key,
    create_organisation,
    issue_api_key,
    remove_member,
    revoke_api_key,
    set_organisation_active,
    update_organisation,
)


def test_manager_creates_a_centre_in_irbid(world: dict[str, Any], manager_principal: Principal,
                                            area: Callable[[str], Area]) -> None:
    centre = create_organisation(actor=manager_principal, kind="centre", name="  Irbid North ", country="jo",
                                 area=area("JO-IR"), parent=world["partner"], locality="Irbid city")
    assert (centre.name, centre.country, centre.area, centre.parent) == (
        "Irbid North", "JO", area("JO-IR"), world["partner"])
    assert AuditEvent.objects.filter(verb="organisation.created", object_id=str(centre.pk)).exists()


def test_area_outside_the_country_is_refused(world: dict[str, Any], manager_principal: Principal,
                                             area: Callable[[str], Area]) -> None:
    before = Organisation.objects.count()
    with pytest.raises(ValidationFailed) as err:
        create_organisation(actor=manager_principal, kind="centre", name="Wrong", country="JO",
                            area=area("TN-11"), parent=world["partner"])
    assert err.value.field == "area"
    assert Organisation.objects.count() == before


def test_manager_cannot_add_a_partner_or_work_under_another(world: dict[str, Any],
                                                            manager_principal: Principal) -> None:
    with pytest.raises(PermissionDenied):
        create_organisation(actor=manager_principal, kind="partner", name="Mine", country="JO")
    with pytest.raises(PermissionDenied):
        create_organisation(actor=manager_principal, kind="client", name="Theirs", country="TN",
                            parent=world["other"])


def test_bad_contact_email_is_named(world: dict[str, Any], manager_principal: Principal) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_organisation(actor=manager_principal, kind="donor", name="Fund", country="JO",
                            parent=world["partner"], email="not an address")
    assert err.value.field == "email"


def test_update_organisation(world: dict[str, Any], manager_principal: Principal, other_manager: Principal,
                             area: Callable[[str], Area]) -> None:
    irbid = world["irbid"]
    update_organisation(actor=manager_principal, organisation=irbid, name="Irbid Hub", country="JO",
                        area=area("JO-IR"), locality="Al-Husn", in_camp=False, email="irbid@amal.test")
    fresh = Organisation.objects.get(pk=irbid.pk)
    assert (fresh.name, fresh.locality, fresh.email) == ("Irbid Hub", "Al-Husn", "irbid@amal.test")
    event = AuditEvent.objects.get(verb="organisation.updated", object_id=str(irbid.pk))
    assert event.data["fields"] == ["email", "locality", "name"]
    with pytest.raises(Conflict) as err:
        update_organisation(actor=manager_principal, organisation=irbid, name="zaatari centre", country="JO")
    assert err.value.field == "name"
    with pytest.raises(ValidationFailed) as invalid:
        update_organisation(actor=manager_principal, organisation=irbid, name="Irbid Hub", country="JO",
                            area=area("TN-11"))
    assert invalid.value.field == "area"
    with pytest.raises(PermissionDenied):
        update_organisation(actor=other_manager, organisation=irbid, name="Taken", country="JO")
    assert Organisation.objects.get(pk=irbid.pk).name == "Irbid Hub"


def test_deactivating_a_centre_takes_away_its_roles(world: dict[str, Any], manager_principal: Principal,
                                                    coordinator: User, root: Principal) -> None:
    assert principal_for_user(coordinator).grants
    set_organisation_active(actor=manager_principal, organisation=world["irbid"], active=False)
    assert principal_for_user(coordinator).grants == ()
    set_organisation_active(actor=manager_principal, organisation=world["irbid"], active=True)
    assert principal_for_user(coordinator).grants
    with pytest.raises(PermissionDenied):
        set_organisation_active(actor=manager_principal, organisation=world["partner"], active=False)
    set_organisation_active(actor=root, organisation=world["other"], active=False)
    assert not Organisation.objects.get(pk=world["other"].pk).is_active


def test_invitation_sends_a_set_password_link(world: dict[str, Any], manager_principal: Principal,
                                              django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        membership = add_member(actor=manager_principal, organisation=world["irbid"], role=Role.COORDINATOR,
                                full_name="Layla Coordinator", email="Layla@Amal.test",
                                set_password_url="https://kasb.example")
    assert membership.user.email == "layla@amal.test"
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["layla@amal.test"]
    assert "https://kasb.example/en/accounts/password/reset/" in mail.outbox[0].body


def test_existing_user_gets_another_role_without_a_new_sign_in(world: dict[str, Any], coordinator: User,
                                                               manager_principal: Principal,
                                                               django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        membership = add_member(actor=manager_principal, organisation=world["zaatari"], role=Role.TRAINER,
                                full_name="ignored", email=coordinator.email)
    assert membership.user == coordinator
    assert mail.outbox == []
    with pytest.raises(Conflict):
        add_member(actor=manager_principal, organisation=world["zaatari"], role=Role.TRAINER,
                   full_name="again", email=coordinator.email)


def test_roles_must_fit_the_kind_of_organisation(world: dict[str, Any], manager_principal: Principal) -> None:
    with pytest.raises(ValidationFailed) as err:
        add_member(actor=manager_principal, organisation=world["client"], role=Role.PROGRAMME_MANAGER,
                   full_name="X", email="x@kasb.test")
    assert err.value.field == "role"
    with pytest.raises(ValidationFailed):
        add_member(actor=manager_principal, organisation=world["client"], role="boss",
                   full_name="X", email="x@kasb.test")
    assert not User.objects.filter(email="x@kasb.test").exists()


def test_coordinator_cannot_add_or_remove_members(world: dict[str, Any], coordinator: User) -> None:
    actor = principal_for_user(coordinator)
    with pytest.raises(PermissionDenied):
        add_member(actor=actor, organisation=world["irbid"], role=Role.TRAINER, full_name="T",
                   email="t@kasb.test")
    with pytest.raises(PermissionDenied):
        remove_member(actor=actor, membership=Membership.objects.get(user=coordinator))


def test_manager_cannot_remove_their_own_manager_role(world: dict[str, Any], manager: User,
                                                      manager_principal: Principal, coordinator: User) -> None:
    own = Membership.objects.get(user=manager)
    with pytest.raises(PermissionDenied):
        remove_member(actor=manager_principal, membership=own)
    remove_member(actor=manager_principal, membership=Membership.objects.get(user=coordinator))
    assert not Membership.objects.filter(user=coordinator).exists()
    assert AuditEvent.objects.filter(verb="membership.removed").count() == 1


def test_api_key_lifecycle(world: dict[str, Any], manager_principal: Principal) -> None:
    key, plaintext = issue_api_key(actor=manager_principal, organisation=world["client"], name="uploader")
    stored = ApiKey.objects.get(pk=key.pk)
    assert plaintext.startswith(f"kasb_{stored.prefix}_")
    assert stored.key_hash != plaintext and plaintext not in stored.key_hash
    assert authenticate_api_key(plaintext).pk == key.pk
    revoke_api_key(actor=manager_principal, key=stored)
    revoke_api_key(actor=manager_principal, key=stored)
    assert AuditEvent.objects.filter(verb="api_key.revoked").count() == 1
    with pytest.raises(NotFound):
        authenticate_api_key(plaintext)


def test_api_keys_only_for_clients_and_employers(world: dict[str, Any], manager_principal: Principal,
                                                 coordinator: User, other_manager: Principal) -> None:
    with pytest.raises(ValidationFailed):
        issue_api_key(actor=manager_principal, organisation=world["irbid"], name="x")
    with pytest.raises(PermissionDenied):
        issue_api_key(actor=principal_for_user(coordinator), organisation=world["client"], name="x")
    with pytest.raises(PermissionDenied):
        issue_api_key(actor=other_manager, organisation=world["client"], name="x")
    assert ApiKey.objects.count() == 0
