"""The shared PDF renderer: readable text in every language we print, right to left in Arabic, and no
resource fetched from anywhere but data: URIs and our static files."""

from __future__ import annotations

import base64
import io
import logging
import socket
from typing import Any

import pypdf
import pytest
from django.template import engines
from django.utils import translation
from PIL import Image

from kasb.core.pdf import LOCAL_BASE_URL, qr_svg_data_uri, render_pdf, render_pdf_from_string, static_file_for_url

RECEIPT = """{% extends "core/pdf/base.html" %}{% load i18n %}
{% block title %}Receipt {{ number }}{% endblock %}
{% block header %}<h1>{{ number }}</h1><p>{{ name }}</p>{% endblock %}
{% block content %}
<table>
  <thead><tr><th>Task</th><th class="number">Amount</th></tr></thead>
  <tbody><tr><td>{{ task }}</td><td class="number">{{ amount }}</td></tr></tbody>
</table>
{{ extra|safe }}
<p><span class="signature-line">{{ name }}</span></p>
{% endblock %}"""

ARABIC_LETTERS = [(0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]  # base block and presentation forms


def receipt(language: str, **context: Any) -> bytes:
    values = {"number": "R-2041", "name": "Amira Haddad", "task": "Audio transcription", "amount": "12.500 JOD",
              "organisation_name": "Amal Youth", **context}
    return render_pdf_from_string(RECEIPT, values, language=language)


def read(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(pdf).pages)


def x_of(pdf: bytes, needle: str) -> float:
    """Where on the first page (points from the left edge) the text run containing `needle` begins."""
    found: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if needle in text:
            found.append(cm[0] * tm[4] + cm[2] * tm[5] + cm[4])

    read(pdf).pages[0].extract_text(visitor_text=visit)
    assert found, f"{needle!r} not found in the PDF"
    return found[0]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record, and stop, any attempt to resolve a host name or open a connection."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access attempted while rendering a PDF")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_english_receipt_is_a_readable_pdf_with_page_numbers() -> None:
    pdf = receipt("en")

    text = text_of(pdf)
    assert len(read(pdf).pages) == 1
    assert "R-2041" in text
    assert "Amira Haddad" in text
    assert "12.500 JOD" in text
    assert "Amal Youth" in text
    assert "Page 1 of 1" in text


def test_a_template_by_name_renders_in_the_active_language() -> None:
    pdf = render_pdf("core/pdf/base.html", {"organisation_name": "Amal Youth"})

    assert "Amal Youth" in text_of(pdf)


def test_long_documents_number_every_page() -> None:
    rows = "".join(f"<p>Line {n}</p>" for n in range(150))

    pdf = receipt("en", extra=rows)

    pages = read(pdf).pages
    count = len(pages)
    assert count > 1
    assert f"Page 1 of {count}" in pages[0].extract_text()
    assert f"Page {count} of {count}" in pages[-1].extract_text()


def test_arabic_receipt_runs_right_to_left_and_keeps_arabic_text() -> None:
    with translation.override("ar"):
        html = engines["django"].from_string(RECEIPT).render({"number": "R-2041"})
    assert 'dir="rtl"' in html and 'lang="ar"' in html

    arabic = receipt("ar", name="أميرة حداد", task="تفريغ تسجيل صوتي")
    english = receipt("en")

    text = text_of(arabic)
    assert any(low <= ord(char) <= high for char in text for low, high in ARABIC_LETTERS)
    assert "R-2041" in text
    page_width = float(read(arabic).pages[0].mediabox.width)
    # The heading starts at the right-hand margin in Arabic, at the left-hand one in English.
    assert x_of(arabic, "R-2041") > page_width / 2 > x_of(english, "R-2041")


@pytest.mark.parametrize("language", ["tg", "ru"])
def test_cyrillic_names_survive(language: str) -> None:
    name = "Фаррух Раҳимов"  # Tajik letters ҳ (and ҷ, ӣ, ғ, қ, ӯ below) lie outside basic Cyrillic

    pdf = receipt(language, name=name, task="Тарҷумаи матн ӣ ғ қ ӯ")

    text = text_of(pdf)
    assert name in text
    assert "Тарҷумаи матн ӣ ғ қ ӯ" in text


def test_an_unsupported_language_is_an_error_not_a_silent_english_pdf() -> None:
    with pytest.raises(LookupError):
        receipt("xx")


def test_external_resources_are_refused_without_touching_the_network(
    no_network: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    extra = '<img src="http://example.invalid/x.png"><img src="file:///etc/passwd"><img src="../../settings.py">'

    with caplog.at_level(logging.WARNING, logger="kasb.core.pdf"):
        pdf = receipt("en", extra=extra)

    assert "Amira Haddad" in text_of(pdf)
    assert no_network == []
    refused = [r.getMessage() for r in caplog.records if r.name == "kasb.core.pdf"]
    assert "PDF resource refused: http://example.invalid/x.png" in refused
    assert "PDF resource refused: file:///etc/passwd" in refused
    assert len(refused) == 3


def test_static_files_are_served_from_our_own_static_dirs(settings: Any, tmp_path: Any, no_network: list[Any]) -> None:
    (tmp_path / "pdf").mkdir()
    Image.new("RGB", (40, 20), "navy").save(tmp_path / "pdf" / "logo.png")
    settings.STATICFILES_DIRS = [tmp_path]

    pdf = receipt("en", extra='<img src="/static/pdf/logo.png" style="width: 20mm">')

    assert len(read(pdf).pages[0].images) == 1
    assert no_network == []
    assert static_file_for_url(f"{LOCAL_BASE_URL}static/pdf/logo.png") == tmp_path / "pdf" / "logo.png"
    assert static_file_for_url(f"{LOCAL_BASE_URL}static/../settings.py") is None
    assert static_file_for_url(f"{LOCAL_BASE_URL}static/%2e%2e/settings.py") is None
    assert static_file_for_url("http://example.invalid/static/pdf/logo.png") is None


def test_qr_code_is_an_svg_data_uri_that_prints(caplog: pytest.LogCaptureFixture) -> None:
    uri = qr_svg_data_uri("https://kasb.example/verify/R-2041")

    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).lstrip().startswith(b"<svg")

    with caplog.at_level(logging.WARNING):
        with_qr = receipt("en", extra=f'<img src="{uri}" style="width: 25mm">')
    without = receipt("en")

    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # The code is drawn as vector paths: hundreds of modules, each a little rectangle.
    assert drawing_size(with_qr) > drawing_size(without) + 2000


def drawing_size(pdf: bytes) -> int:
    contents = read(pdf).pages[0].get_contents()
    assert contents is not None
    return len(contents.get_data())
