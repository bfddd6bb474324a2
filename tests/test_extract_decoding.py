"""Decoding: header, BOM, meta, detection, in that order; content codings; no mojibake."""

from __future__ import annotations

import codecs
import gzip
import zlib

import brotli
import pytest

from crawler.extraction.article import extract_response
from crawler.extraction.decoding import (
    UndecodableBody,
    content_decode,
    decode_html,
    normalise_label,
)

TEXT = "Russia\u2019s \u201cshield\u201d \u2013 caf\u00e9 na\u00efve r\u00e9sum\u00e9"
MOJIBAKE_MARKERS = ("\u00e2\u20ac", "\u00c3", "\ufffd")


def page(charset_meta: str | None = None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">' if (
        charset_meta) else ""
    return f"<html><head>{meta}</head><body><p>{TEXT}</p></body></html>"


def assert_clean(text: str) -> None:
    assert TEXT in text
    assert not any(marker in text for marker in MOJIBAKE_MARKERS)


def test_header_charset_only():
    text, encoding = decode_html(page().encode("cp1252"), "text/html; charset=windows-1252")
    assert_clean(text)
    assert encoding == "windows-1252"


def test_iso_8859_1_label_means_windows_1252():
    # Curly quotes are 0x91-0x94 in windows-1252 and C1 controls in real ISO-8859-1.
    text, encoding = decode_html(page("iso-8859-1").encode("cp1252"), None)
    assert_clean(text)
    assert encoding == "windows-1252"
    assert normalise_label("ISO-8859-1") == normalise_label("latin1") == "windows-1252"


def test_meta_charset_only():
    text, encoding = decode_html(page("utf-8").encode("utf-8"), "text/html")
    assert_clean(text)
    assert encoding == "utf-8"


def test_bom_beats_meta():
    body = codecs.BOM_UTF8 + page("iso-8859-1").encode("utf-8")
    text, encoding = decode_html(body, None)
    assert_clean(text)
    assert encoding == "utf-8"
    assert not text.startswith("\ufeff")


def test_header_beats_meta_when_they_disagree():
    body = page("utf-8").encode("cp1252")
    text, encoding = decode_html(body, "text/html; charset=ISO-8859-1")
    assert_clean(text)
    assert encoding == "windows-1252"


def test_declaration_the_bytes_violate_is_skipped():
    # Declared UTF-8 in the header, really windows-1252 (declared so in the meta tag).
    text, encoding = decode_html(page("windows-1252").encode("cp1252"), "text/html; charset=utf-8")
    assert_clean(text)
    assert encoding == "windows-1252"


def test_a_utf8_page_with_a_stretch_pasted_in_windows_1252_stays_utf8():
    """As a browser shows it: the page's UTF-8 intact, the pasted bytes as replacement
    marks, rather than the whole page read in a single-byte charset."""
    pasted = "<p>the network\u2019s report: \u201cwe are watching\u201d</p>".encode("cp1252")
    body = page("utf-8").encode("utf-8").replace(b"</body>", pasted + b"</body>")
    text, encoding = decode_html(body, "text/html; charset=utf-8")
    assert encoding == "utf-8"
    assert TEXT in text
    assert "the network\ufffds report: \ufffdwe are watching\ufffd" in text


def test_control_characters_no_browser_shows_are_removed():
    body = b"<html><body><p>space\x00craft\x0b launched\x1a,\x0cthen</p></body></html>"
    text, _ = decode_html(body, "text/html; charset=utf-8")
    assert "<p>spacecraft launched, then</p>" in text
    references = b"<p>a&#11;b&#x1B;c&#12;d&#13;e&#9;f&#8g&#65535;h&#149;i</p>"
    text, _ = decode_html(references, "text/html; charset=utf-8")
    assert "<p>abc d&#13;e&#9;fgh&#149;i</p>" in text  # line ends, tabs and the rest kept


def test_latin_declaration_over_utf8_bytes_is_not_mojibake():
    body = page("iso-8859-1").encode("utf-8")
    text, encoding = decode_html(body, "text/html; charset=iso-8859-1")
    assert_clean(text)
    assert encoding == "utf-8"


def test_detection_when_nothing_is_declared():
    text, encoding = decode_html(page().encode("cp1252"), None)
    assert_clean(text)
    assert encoding == "windows-1252"
    text, encoding = decode_html(page().encode("utf-8"), None)
    assert_clean(text)
    assert encoding == "utf-8"


def test_numeric_entities_including_windows_1252_range():
    html = (
        '<html><head><meta charset="iso-8859-1"></head><body>'
        '<span class="BH">Headline</span><p>It&#8217;s &#147;quoted&#148; &#x2013; ok</p>'
        "</body></html>"
    )
    from lxml import html as lxml_html

    text, _ = decode_html(html.encode("ascii"), None)
    rendered = lxml_html.document_fromstring(text).text_content()
    from crawler.extraction.decoding import fix_c1_controls

    assert fix_c1_controls(rendered).endswith("It\u2019s \u201cquoted\u201d \u2013 ok")


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
        ("x-gzip", gzip.compress),
    ],
)
def test_content_codings(coding, compress):
    body = page("utf-8").encode("utf-8")
    assert content_decode(compress(body), coding) == body


def test_raw_deflate_and_broken_gzip():
    body = b"<p>hello</p>"
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert content_decode(raw.compress(body) + raw.flush(), "deflate") == body
    with pytest.raises(UndecodableBody):
        content_decode(b"not gzip at all", "gzip")
    with pytest.raises(UndecodableBody):
        content_decode(body, "compress")


def test_gzipped_article_payload_is_extracted_without_mojibake():
    html = (
        '<html><head><meta charset="windows-1252"></head><body><table><tr><td>'
        '<span class="BH">Caf\u00e9 Owners\u2019 Rocket</span><br>'
        "<span>by Staff Writers</span><br><span>Paris, France (SPX) Mar 17, 2025</span>"
        f"<p>{TEXT} and the story goes on for a while longer.<p>Second paragraph here."
        "<p>Source: Agence France-Presse</td></tr></table></body></html>"
    )
    payload = gzip.compress(html.encode("cp1252"))
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    result = extract_response(
        "http://www.spacedaily.com/reports/Cafe_Owners_Rocket_999.html", 200, headers, payload
    )
    article = result.article
    assert article is not None, result
    assert article["title"] == "Caf\u00e9 Owners\u2019 Rocket"
    assert article["encoding"] == "windows-1252"
    assert_clean(article["text"])
    assert article["place"] == "Paris, France"
    assert article["source"] == "Agence France-Presse"
