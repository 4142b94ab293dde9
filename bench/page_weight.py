"""Weigh the participant-facing pages as a phone receives them: HTML, CSS and JS, compressed.

    .venv/bin/python bench/page_weight.py [--brotli]

It migrates a fresh SQLite database in a temporary directory, runs `collectstatic` there (the
compressed, hashed files WhiteNoise serves in production), registers one participant with a
sign-in, then fetches each page in-process with Django's test client and `Accept-Encoding: gzip`
(or, with --brotli, what Chrome on Android sends), and every stylesheet and script the page links,
through WhiteNoise. It prints bytes per page against
the 50 KB budget, deletes the directory, and exits non-zero if a page is over budget. Nothing
leaves the process: no server, no network.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BUDGET = 50 * 1024
PASSWORD = "bench-password-not-secret"
PHONE = "+962791110000"
SKIP_STATIC = ("admin", "ninja")


class Assets(HTMLParser):
    """The stylesheets and scripts a page asks the browser to fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and "stylesheet" in (values.get("rel") or "").split() and values.get("href"):
            self.urls.append(("css", values["href"] or ""))
        elif tag == "script" and values.get("src"):
            self.urls.append(("js", values["src"] or ""))


def configure(data_dir: str) -> None:
    os.environ.update({
        "KASB_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "kasb.settings", "DEBUG": "0",
        "KASB_INLINE_THREADS": "0", "KASB_FAST_HASHER": "1", "LOG_LEVEL": "ERROR",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    })
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "STATIC_ROOT", "MEDIA_ROOT"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def seed() -> None:
    """A partner, a centre, and a registered participant who can sign in."""
    from datetime import date

    from kasb.accounts.models import User
    from kasb.accounts.services import create_user
    from kasb.orgs.models import Area
    from kasb.orgs.queries import principal_for_user
    from kasb.orgs.services import create_organisation
    from kasb.participants.services import link_login, register_participant

    root = principal_for_user(User.objects.create_superuser(email="root@bench.invalid", password=PASSWORD,
                                                            full_name="Root"))
    partner = create_organisation(actor=root, kind="partner", name="Amal Youth", country="JO",
                                  area=Area.objects.get(code="JO-AM"))
    centre = create_organisation(actor=root, kind="centre", name="Irbid Centre", country="JO", parent=partner,
                                 area=Area.objects.get(code="JO-IR"))
    person = register_participant(actor=root, partner=partner, data={
        "given_name": "Amal", "family_name": "Haddad", "sex": "female", "date_of_birth": date(2003, 5, 14),
        "nationality": "SY", "displacement_status": "refugee", "phone": "+962791234567", "centre": centre,
        "id_kind": "unhcr", "id_number": "945-00123456", "education": "upper_secondary", "languages": ["ar", "en"],
        "contact_channels": ["whatsapp"], "disability_seeing": 1, "disability_walking": 3,
        "consent_registration": True, "consent_monitoring": True})
    user = create_user(full_name="Amal Haddad", phone=PHONE, password=PASSWORD)
    link_login(actor=root, participant=person, user=user)


def body(response: Any) -> bytes:
    try:
        if getattr(response, "streaming", False):
            return b"".join(response.streaming_content)
        return bytes(response.content)
    finally:
        response.close()


def weigh(client: Any, url: str) -> dict[str, Any]:
    import brotli  # installed with whitenoise[brotli]

    def decode(data: bytes, response: Any) -> bytes:
        used = response.headers.get("Content-Encoding", "")
        return gzip.decompress(data) if used == "gzip" else brotli.decompress(data) if used == "br" else data

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    sent = body(response)
    html = decode(sent, response)
    row: dict[str, Any] = {"page": url, "html_raw": len(html), "html": len(sent), "css": 0, "js": 0,
                           "css_raw": 0, "js_raw": 0, "html_encoding": response.headers.get("Content-Encoding", "")}
    parser = Assets()
    parser.feed(html.decode())
    for kind, asset in parser.urls:
        static = client.get(asset)
        if static.status_code != 200:
            raise SystemExit(f"{asset} (linked from {url}) answered {static.status_code}")
        data = body(static)
        row[kind] += len(data)
        row[f"{kind}_raw"] += len(decode(data, static))
    row["total"] = row["html"] + row["css"] + row["js"]
    return row


def report(rows: list[dict[str, Any]], accept: str) -> None:
    print(f"Page weight with Accept-Encoding: {accept} (bytes; budget {BUDGET} B = 50 KB per page)")
    head = (f"{'page':<28}{'HTML raw':>10}{'HTML':>8}{'CSS raw':>9}{'CSS':>7}{'JS raw':>8}{'JS':>7}"
            f"{'total':>8}{'budget':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['page']:<28}{r['html_raw']:>10}{r['html']:>8}{r['css_raw']:>9}{r['css']:>7}{r['js_raw']:>8}"
              f"{r['js']:>7}{r['total']:>8}{r['total'] / BUDGET:>8.0%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brotli", action="store_true",
                        help="send 'gzip, deflate, br' as Chrome on Android does (default: gzip only, "
                             "which every phone browser accepts)")
    args = parser.parse_args()
    accept = "gzip, deflate, br" if args.brotli else "gzip"
    data_dir = tempfile.mkdtemp(prefix="kasb-page-weight-")
    try:
        configure(data_dir)
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0, interactive=False)
        # The admin's and the API docs' files are big and no participant page links them; leaving
        # them out saves a minute of compression. A page that did link one would fail to render.
        call_command("collectstatic", verbosity=0, interactive=False, ignore_patterns=list(SKIP_STATIC))
        seed()
        anonymous = Client(HTTP_ACCEPT_ENCODING=accept)
        rows = [weigh(anonymous, "/en/accounts/sign-in/"), weigh(anonymous, "/ar/accounts/sign-in/")]
        participant = Client(HTTP_ACCEPT_ENCODING=accept)
        signed_in = participant.post("/en/accounts/sign-in/", {"identifier": PHONE, "password": PASSWORD})
        if signed_in.status_code != 302:
            raise SystemExit(f"the participant could not sign in ({signed_in.status_code})")
        for url in ("/en/dashboard/", "/en/participants/me/", "/ar/participants/me/"):
            rows.append(weigh(participant, url))
        report(rows, accept)
        uncompressed = [r["page"] for r in rows if not r["html_encoding"]]
        if uncompressed:
            print(f"HTML sent uncompressed: {', '.join(uncompressed)}")
        over = [r["page"] for r in rows if r["total"] > BUDGET]
        if over:
            print(f"OVER BUDGET: {', '.join(over)}")
            return 1
        print("every page is within budget")
        return 0
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
