from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kasb.accounts.models import User
from kasb.conftest import PASSWORD, sign_in
from kasb.core.permissions import Principal, Role
from kasb.orgs.models import ApiKey, Area, Membership, Organisation
from kasb.orgs.services import add_member, create_organisation

BASE = "/en/organisations"


def _centre_form(world: dict[str, Any], area: Area, **overrides: Any) -> dict[str, Any]:
    data = {"kind": "centre", "parent": world["partner"].pk, "name": "Irbid North Centre", "country": "JO",
            "area": area.pk, "locality": "Irbid", "email": "", "phone": ""}
    data.update(overrides)
    return data


def test_manager_creates_a_centre_in_irbid_and_sees_it(world: dict[str, Any], manager_browser: Client,
                                                       area: Callable[[str], Area]) -> None:
    page = manager_browser.get(f"{BASE}/new/?kind=centre&parent={world['partner'].pk}")
    assert page.status_code == 200
    assert b"Irbid" in page.content and b"<optgroup" in page.content
    response = manager_browser.post(f"{BASE}/new/", _centre_form(world, area("JO-IR")))
    assert response.status_code == 302
    centre = Organisation.objects.get(name="Irbid North Centre")
    assert (centre.kind, centre.parent_id, centre.area) == ("centre", world["partner"].pk, area("JO-IR"))
    assert response["Location"] == f"{BASE}/{centre.pk}/"
    detail = manager_browser.get(response["Location"]).content.decode()
    assert "Irbid North Centre" in detail and "Irbid" in detail and "Jordan" in detail
    listing = manager_browser.get(f"{BASE}/").content.decode()
    assert f'href="{BASE}/{centre.pk}/"' in listing
    partner_page = manager_browser.get(f"{BASE}/{world['partner'].pk}/").content.decode()
    assert "Irbid North Centre" in partner_page


def test_area_from_another_country_shows_the_error_at_the_field(world: dict[str, Any], manager_browser: Client,
                                                                area: Callable[[str], Area]) -> None:
    before = Organisation.objects.count()
    response = manager_browser.post(f"{BASE}/new/", _centre_form(world, area("TN-11")))
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r'<div class="field has-error">(.*?)</div>', html, re.S)
    assert field is not None and 'name="area"' in field.group(1)
    assert "is not in the country chosen" in field.group(1)
    assert Organisation.objects.count() == before


def test_area_select_narrows_to_the_country_with_htmx(manager_browser: Client) -> None:
    html = manager_browser.get(f"{BASE}/areas/?country=TJ", HTTP_HX_REQUEST="true").content.decode()
    assert html.strip().startswith('<select name="area"')
    assert "Dushanbe" in html and "Irbid" not in html and "Tunis" not in html


def test_manager_invites_a_coordinator_who_sets_a_password_and_signs_in(
        world: dict[str, Any], manager_browser: Client, django_capture_on_commit_callbacks: Any) -> None:
    irbid = world["irbid"]
    form = manager_browser.get(f"{BASE}/{irbid.pk}/members/add/").content.decode()
    assert 'value="coordinator"' in form and 'value="programme_manager"' not in form  # roles of a centre
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_browser.post(f"{BASE}/{irbid.pk}/members/add/", {
            "full_name": "Rania Coordinator", "email": "rania@amal.test", "phone": "", "role": "coordinator",
            "language": "ar"})
    assert response.status_code == 302
    user = User.objects.get(email="rania@amal.test")
    assert Membership.objects.filter(user=user, organisation=irbid, role=Role.COORDINATOR).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rania@amal.test"]
    link = re.search(r"(https?://\S+)", str(mail.outbox[0].body))
    assert link is not None and link.group(1).startswith("http://testserver/")

    browser = Client()
    step = browser.get(link.group(1))
    assert step.status_code == 302
    page = browser.get(step["Location"])
    assert page.status_code == 200 and b"new_password1" in page.content
    done = browser.post(step["Location"], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    signed_in = sign_in(Client(), user)
    assert signed_in.get(f"{BASE}/{irbid.pk}/").status_code == 200

    detail = manager_browser.get(f"{BASE}/{irbid.pk}/").content.decode()
    assert "Rania Coordinator" in detail and "rania@amal.test" in detail


def test_invitation_errors_are_shown_at_the_field(world: dict[str, Any], manager_browser: Client) -> None:
    response = manager_browser.post(f"{BASE}/{world['irbid'].pk}/members/add/", {
        "full_name": "Nobody", "email": "", "phone": "", "role": "trainer", "language": "en"})
    assert response.status_code == 400
    assert b'id="id_email_errors"' in response.content
    response = manager_browser.post(f"{BASE}/{world['irbid'].pk}/members/add/", {
        "full_name": "Boss", "email": "boss@amal.test", "role": "programme_manager", "language": "en"})
    assert response.status_code == 400 and b'id="id_role_errors"' in response.content
    assert not User.objects.filter(full_name__in=["Nobody", "Boss"]).exists()


def test_manager_removes_a_member_after_confirming(world: dict[str, Any], manager_browser: Client,
                                                   coordinator: User) -> None:
    membership = Membership.objects.get(user=coordinator)
    url = f"{BASE}/{world['irbid'].pk}/members/{membership.pk}/remove/"
    confirm = manager_browser.get(url)
    assert confirm.status_code == 200 and b'method="post"' in confirm.content
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert manager_browser.post(url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    own = Membership.objects.get(organisation=world["partner"], role=Role.PROGRAMME_MANAGER)
    own_url = f"{BASE}/{world['partner'].pk}/members/{own.pk}/remove/"
    assert own_url.encode() not in manager_browser.get(f"{BASE}/{world['partner'].pk}/").content
    refused = manager_browser.post(own_url)
    assert refused.status_code == 403 and b"cannot remove your own role" in refused.content
    assert Membership.objects.filter(pk=own.pk).exists()


def test_no_invitations_to_an_organisation_without_staff_roles(world: dict[str, Any], root: Principal,
                                                               manager_browser: Client) -> None:
    bank = create_organisation(actor=root, kind="financial", name="Wallet Co", country="JO",
                               parent=world["partner"])
    assert b"/members/add/" not in manager_browser.get(f"{BASE}/{bank.pk}/").content
    refused = manager_browser.get(f"{BASE}/{bank.pk}/members/add/")
    assert refused.status_code == 400
    # The kind's label goes in whole, as a quoted value: never lower-cased, so every language reads right.
    assert "of the kind “Service provider”" in refused.content.decode()
    in_russian = manager_browser.get(f"/ru/organisations/{bank.pk}/members/add/").content.decode()
    assert "В организацию типа «Поставщик услуг» нельзя пригласить сотрудников" in in_russian


def test_coordinator_cannot_manage_nor_see_the_other_partner(world: dict[str, Any], coordinator_browser: Client,
                                                             manager: User) -> None:
    irbid = world["irbid"]
    assert coordinator_browser.get(f"{BASE}/{irbid.pk}/").status_code == 200
    assert coordinator_browser.get(f"{BASE}/{irbid.pk}/members/add/").status_code == 403
    response = coordinator_browser.post(f"{BASE}/{irbid.pk}/members/add/", {
        "full_name": "Sneaky", "email": "sneaky@amal.test", "role": "coordinator", "language": "en"})
    assert response.status_code == 403
    assert not User.objects.filter(email="sneaky@amal.test").exists()
    own = Membership.objects.get(user=manager)
    assert coordinator_browser.post(f"{BASE}/{world['partner'].pk}/members/{own.pk}/remove/").status_code == 403
    assert coordinator_browser.get(f"{BASE}/{irbid.pk}/edit/").status_code == 403
    assert coordinator_browser.get(f"{BASE}/new/").status_code == 403
    detail = coordinator_browser.get(f"{BASE}/{irbid.pk}/").content.decode()
    assert "Staff and members" not in detail and "/members/add/" not in detail
    for org in ("other", "other_centre"):
        assert coordinator_browser.get(f"{BASE}/{world[org].pk}/").status_code == 404
        assert coordinator_browser.get(f"{BASE}/{world[org].pk}/members/add/").status_code == 404
    listing = coordinator_browser.get(f"{BASE}/").content.decode()
    assert "Irbid Centre" in listing and "Tunis" not in listing
    assert "Add organisation" not in listing


def test_api_key_is_shown_once_and_works_until_revoked(world: dict[str, Any], manager_browser: Client) -> None:
    client_org = world["client"]
    url = f"{BASE}/{client_org.pk}/api-keys/"
    assert manager_browser.get(url).status_code == 200
    issued = manager_browser.post(url, {"name": "results downloader"})
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
    html = issued.content.decode()
    match = re.search(r'value="(kasb_[0-9a-f]{8}_[A-Za-z0-9_-]+)"', html)
    assert match is not None
    plaintext = match.group(1)
    assert "will not be shown again" in html

    key = ApiKey.objects.get(organisation=client_org)
    assert key.key_hash != plaintext and plaintext not in key.key_hash
    again = manager_browser.get(url).content.decode()
    assert plaintext not in again and f"kasb_{key.prefix}_" in again and "results downloader" in again

    api = Client()
    answer = api.get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert answer.status_code == 200
    assert [o["name"] for o in answer.json()["items"]] == ["Data Co"]

    revoke_url = f"{BASE}/{client_org.pk}/api-keys/{key.pk}/revoke/"
    assert manager_browser.get(revoke_url).status_code == 200
    assert api.get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    assert manager_browser.post(revoke_url).status_code == 302
    assert api.get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401
    assert "revoked on" in manager_browser.get(url).content.decode()


def test_api_keys_page_is_only_for_clients_employers_and_their_managers(
        world: dict[str, Any], manager_browser: Client, coordinator_browser: Client) -> None:
    assert manager_browser.get(f"{BASE}/{world['irbid'].pk}/api-keys/").status_code == 404
    assert manager_browser.get(f"{BASE}/{world['employer'].pk}/api-keys/").status_code == 200
    assert coordinator_browser.get(f"{BASE}/{world['client'].pk}/api-keys/").status_code == 403
    assert coordinator_browser.post(f"{BASE}/{world['client'].pk}/api-keys/", {"name": "x"}).status_code == 403
    assert ApiKey.objects.count() == 0


def test_client_member_sees_only_their_own_organisation(world: dict[str, Any],
                                                        member: Callable[..., User]) -> None:
    browser = sign_in(Client(), member(Role.CLIENT_MEMBER))
    listing = browser.get(f"{BASE}/").content.decode()
    assert "Data Co" in listing
    assert all(name not in listing for name in ("Irbid Centre", "Zaatari Centre", "Hire Ltd", "Tunis"))
    assert set(re.findall(rf'href="{BASE}/(\d+)/"', listing)) == {str(world["client"].pk)}
    own = browser.get(f"{BASE}/{world['client'].pk}/")
    assert own.status_code == 200
    assert b"Staff and members" not in own.content and b"/api-keys/" not in own.content
    assert f'href="{BASE}/{world["partner"].pk}/"'.encode() not in own.content
    for org in ("partner", "irbid", "employer", "other"):
        assert browser.get(f"{BASE}/{world[org].pk}/").status_code == 404
    assert browser.get(f"{BASE}/{world['client'].pk}/api-keys/").status_code == 403
    assert browser.get(f"{BASE}/{world['client'].pk}/members/add/").status_code == 403
    home = browser.get("/en/dashboard/").content.decode()
    assert f'href="{BASE}/{world["client"].pk}/"' in home  # "My organisation" in the navigation


def test_manager_edits_and_deactivates_a_centre(world: dict[str, Any], manager_browser: Client,
                                                area: Callable[[str], Area], coordinator: User) -> None:
    zaatari = world["zaatari"]
    form = manager_browser.get(f"{BASE}/{zaatari.pk}/edit/")
    assert form.status_code == 200 and b'value="Zaatari Centre"' in form.content
    response = manager_browser.post(f"{BASE}/{zaatari.pk}/edit/", {
        "name": "Zaatari Camp Centre", "country": "JO", "area": area("JO-MA").pk, "locality": "Zaatari camp",
        "in_camp": "on", "email": "zaatari@amal.test", "phone": ""})
    assert response.status_code == 302
    zaatari.refresh_from_db()
    assert (zaatari.name, zaatari.locality, zaatari.in_camp) == ("Zaatari Camp Centre", "Zaatari camp", True)
    bad = manager_browser.post(f"{BASE}/{zaatari.pk}/edit/", {
        "name": "Irbid Centre", "country": "JO", "area": area("JO-MA").pk})
    assert bad.status_code == 400 and b'id="id_name_errors"' in bad.content

    status_url = f"{BASE}/{world['irbid'].pk}/status/"
    assert manager_browser.get(status_url).status_code == 200
    assert manager_browser.post(status_url, {"active": "0"}).status_code == 302
    assert not Organisation.objects.get(pk=world["irbid"].pk).is_active
    assert b"inactive" in manager_browser.get(f"{BASE}/{world['irbid'].pk}/").content
    assert manager_browser.post(f"{BASE}/{world['partner'].pk}/status/", {"active": "0"}).status_code == 403
    assert Organisation.objects.get(pk=world["partner"].pk).is_active


def test_superuser_adds_a_partner(world: dict[str, Any], root: Principal, area: Callable[[str], Area]) -> None:
    browser = sign_in(Client(), root.user)
    page = browser.get(f"{BASE}/new/").content.decode()
    assert 'value="partner"' in page
    response = browser.post(f"{BASE}/new/", {"kind": "partner", "name": "Dushanbe Hub", "country": "TJ",
                                              "area": area("TJ-DU").pk})
    assert response.status_code == 302
    assert Organisation.objects.get(name="Dushanbe Hub").parent is None


def _grow(world: dict[str, Any], root: Principal, centres: int, members: int) -> None:
    partner = world["partner"]
    area = Area.objects.get(code="JO-IR")
    have = Organisation.objects.filter(parent=partner, kind="centre").count()
    for n in range(have, centres):
        create_organisation(actor=root, kind="centre", name=f"Centre {n:03d}", country="JO", area=area,
                            parent=partner, in_camp=n % 2 == 0)
    have = Membership.objects.filter(organisation=partner).count()
    for n in range(have, members):
        add_member(actor=root, organisation=partner, role=Role.TRAINER, full_name=f"Trainer {n}",
                   email=f"trainer{n}@amal.test")


def _count(browser: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["list", "detail"])
def test_pages_make_the_same_number_of_queries_at_any_size(world: dict[str, Any], root: Principal,
                                                           manager_browser: Client, page: str) -> None:
    url = f"{BASE}/" if page == "list" else f"{BASE}/{world['partner'].pk}/"
    _grow(world, root, centres=3, members=3)
    manager_browser.get(url)  # warm caches (content types, session) before counting
    small = _count(manager_browser, url)
    _grow(world, root, centres=30, members=30)
    large = _count(manager_browser, url)
    assert small == large
    assert manager_browser.get(url).content.decode().count("Centre 029") == 1


def test_a_programme_manager_adds_a_programme_with_its_money_rules(member: Any, login: Any,
                                                                   world: dict[str, Any]) -> None:
    from kasb.core.permissions import Role
    from kasb.orgs.models import Programme

    client = login(member(Role.PROGRAMME_MANAGER))
    url = f"/en/organisations/{world['partner'].pk}/programmes/new/"
    bad = client.post(url, {"name": "Livelihoods", "country": "JO", "currency": "JOD", "platform_fee": "10",
                            "payout_minimum": "5.0001"})
    assert bad.status_code == 400 and "JOD has 3 decimal places" in bad.content.decode()
    assert not Programme.objects.exists()
    done = client.post(url, {"name": "Livelihoods", "country": "JO", "currency": "JOD", "platform_fee": "12.5",
                             "payout_minimum": "5.000"})
    assert done.status_code == 302
    programme = Programme.objects.get()
    assert (programme.platform_fee_bps, programme.payout_minimum, programme.currency) == (1250, 5000, "JOD")
    page = client.get(f"/en/organisations/{world['partner'].pk}/").content.decode()
    assert "Livelihoods" in page and "12.5%" in page


def test_a_coordinator_cannot_add_a_programme(coordinator_user: Any, login: Any, world: dict[str, Any]) -> None:
    response = login(coordinator_user).get(f"/en/organisations/{world['partner'].pk}/programmes/new/")
    assert response.status_code in (403, 404)
