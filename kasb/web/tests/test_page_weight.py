"""Participant-facing pages stay within 50 KB transferred: HTML, CSS and JS together, compressed.

The HTML is fetched through the whole middleware stack with `Accept-Encoding: gzip`, so it is
measured as GZipMiddleware sends it. Stylesheets and scripts are read from the apps' static
directories and gzipped at level 6, as WhiteNoise stores them after `collectstatic`.
`bench/page_weight.py` measures the same pages as served after a real `collectstatic`.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from kasb.accounts.models import User
from kasb.accounts.services import create_user
from kasb.conftest import PASSWORD, registration, sign_in
from kasb.core.permissions import Role
from kasb.orgs.queries import principal_for_user
from kasb.participants.services import link_login, register_participant

BUDGET = 50 * 1024


class Assets(HTMLParser):
    """The stylesheets and scripts a page asks the browser to fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "stylesheet" in (values.get("rel") or "").split() and values.get("href"):
            self.css.append(values["href"] or "")
        elif tag == "script" and values.get("src"):
            self.js.append(values["src"] or "")


def gzipped_static(url: str) -> tuple[int, int]:
    """(raw, gzipped) bytes of a static file referenced as `url`."""
    assert url.startswith(settings.STATIC_URL), f"{url} is not a local static file"
    path = finders.find(url.removeprefix(settings.STATIC_URL).split("?")[0])
    assert path, f"{url} is referenced but not found"
    with open(path if isinstance(path, str) else path[0], "rb") as handle:
        data = handle.read()
    return len(data), len(gzip.compress(data, compresslevel=6))


def weigh(client: Client, url: str) -> dict[str, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Encoding"] == "gzip", f"{url} was not compressed"
    html = gzip.decompress(response.content).decode()
    assets = Assets()
    assets.feed(html)
    assert assets.css, f"{url} links no stylesheet"
    css = [gzipped_static(u) for u in assets.css]
    js = [gzipped_static(u) for u in assets.js]
    figures = {"html_raw": len(html.encode()), "html_gz": len(response.content),
               "css_raw": sum(r for r, _g in css), "css_gz": sum(g for _r, g in css),
               "js_raw": sum(r for r, _g in js), "js_gz": sum(g for _r, g in js)}
    figures["total_gz"] = figures["html_gz"] + figures["css_gz"] + figures["js_gz"]
    print(f"{url}: HTML {figures['html_raw']} B raw / {figures['html_gz']} B gzip; "
          f"CSS {figures['css_raw']} / {figures['css_gz']}; JS {figures['js_raw']} / {figures['js_gz']}; "
          f"total {figures['total_gz']} B = {figures['total_gz'] / BUDGET:.0%} of {BUDGET} B")
    return figures


@pytest.fixture
def participant_login(world: dict[str, Any], member: Callable[..., User]) -> User:
    coordinator = principal_for_user(member(Role.COORDINATOR))
    person = register_participant(actor=coordinator, partner=world["partner"],
                                  data=registration(centre=world["irbid"], education="upper_secondary",
                                                    languages=["ar", "en"], contact_channels=["whatsapp"]))
    user = create_user(full_name="Amal Haddad", phone="+962791110000", password=PASSWORD)
    link_login(actor=coordinator, participant=person, user=user)
    return user


def test_participant_pages_weigh_at_most_50_kb(participant_login: User) -> None:
    anonymous = Client(HTTP_ACCEPT_ENCODING="gzip")
    sign_in_page = weigh(anonymous, "/en/accounts/sign-in/")

    client = sign_in(Client(HTTP_ACCEPT_ENCODING="gzip"), participant_login)
    my_record = weigh(client, "/en/participants/me/")
    assert participant_login.full_name in gzip.decompress(client.get("/en/participants/me/").content).decode()

    for figures in (sign_in_page, my_record):
        assert figures["total_gz"] <= BUDGET, figures
