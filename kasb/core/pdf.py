"""Documents as PDF: a Django template rendered in the reader's language, laid out by WeasyPrint.

Receipts, statements, pickup lists, certificates, CVs and reports all come through here. A template
extends ``core/pdf/base.html`` (A4, page numbers, Noto fonts for Latin, Cyrillic and Arabic, right to
left when the language is).

Rendering never touches the network or the disk at large: a document may load only ``data:`` URIs
and the project's own static files. Anything else (``http:``, ``file:``, an unknown path) is refused
and logged, and the document renders without it.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import mimetypes
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template import engines
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

# Relative URLs such as `{% static %}` paths need a base to resolve against, or WeasyPrint drops
# them. This origin is under the reserved .invalid domain and is never contacted: the fetcher answers
# for it from the static files. Links (<a href>) in a PDF must therefore be absolute.
LOCAL_BASE_URL = "http://pdf.kasb.invalid/"


class ResourceRefused(ValueError):
    """A document asked for something other than a data: URI or one of our static files."""


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves data: URIs and static files; refuses everything else, so a PDF never reaches out."""

    def __init__(self) -> None:
        # The parent only ever sees data: URIs (see fetch); the protocol list is a second lock.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        path = static_file_for_url(url)
        if path is None:
            self.refused.append(url)
            log.warning("PDF resource refused: %.200s", url)
            raise ResourceRefused(f"PDFs may load only data: URIs and static files, not {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def static_file_for_url(url: str) -> Path | None:
    """The static file a URL names (under STATIC_URL, resolved against LOCAL_BASE_URL), or None."""
    parts = urlsplit(url)
    static = urlsplit(settings.STATIC_URL or "/static/")
    origin = (static.scheme, static.netloc) if static.netloc else _origin(LOCAL_BASE_URL)
    if (parts.scheme.lower(), parts.netloc.lower()) != origin or not parts.path.startswith(static.path):
        return None
    name = unquote(parts.path[len(static.path):])
    if not name or ".." in PurePosixPath(name).parts:
        return None
    try:
        found = finders.find(name)
        if isinstance(found, str):
            return Path(found)
        if settings.STATIC_ROOT:  # collected (and hashed) names in production
            candidate = Path(safe_join(settings.STATIC_ROOT, name))
            return candidate if candidate.is_file() else None
    except SuspiciousFileOperation:
        return None
    return None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def html_to_pdf(html: str) -> bytes:
    """Lay out an HTML document as PDF, loading only data: URIs and static files."""
    document = HTML(string=html, base_url=LOCAL_BASE_URL, url_fetcher=LocalOnlyFetcher())
    pdf: bytes = document.write_pdf()
    return pdf


def render_pdf(template_name: str, context: dict[str, Any], *, language: str | None = None) -> bytes:
    """Render a template (usually extending core/pdf/base.html) as a PDF in the given language.

    Without a language, the active one is used (the request's in a view, LANGUAGE_CODE in a task).
    `generated_at` defaults to now; `organisation_name` names the issuer in the footer.
    """
    return _render(get_template(template_name), context, language)


def render_pdf_from_string(source: str, context: dict[str, Any], *, language: str | None = None) -> bytes:
    """As render_pdf, for template source held in a string. Never pass it text a user wrote."""
    return _render(engines["django"].from_string(source), context, language)


def _render(template: Any, context: dict[str, Any], language: str | None) -> bytes:
    switch: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if language:
        # An unsupported code raises LookupError rather than silently printing in the default language.
        switch = translation.override(translation.get_supported_language_variant(language))
    with switch:
        html = template.render({"generated_at": timezone.now(), **context})
    return html_to_pdf(html)


def qr_svg_data_uri(text: str) -> str:
    """A QR code for `text` (a verification link, say) as an SVG data: URI for <img src>."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage)
    svg: bytes = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
