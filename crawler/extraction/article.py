"""One response in, one article (or None) out: the extractor's entry point.

Pure and picklable, so it runs the same in a worker process of the crawl and in
``news-archive extract``: :func:`extract_response` takes the URL, status, headers and
payload exactly as archived (still content-encoded) and says what it found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree, html

from crawler.extraction import text as textwork
from crawler.extraction.blocks import join_address, line_text, split_address
from crawler.extraction.dateline import (
    Dateline,
    infer_year,
    match_inline_dateline,
    parse_dateline,
    split_inline_dateline,
)
from crawler.extraction.decoding import UndecodableBody, content_decode, decode_html
from crawler.extraction.outcomes import (
    ARTICLE,
    FALLBACK,
    GENERIC,
    NO_BODY,
    NOT_ARTICLE,
    UNDATED,
)
from crawler.extraction.photos import Photo
from crawler.extraction.pool import header_value, not_a_candidate
from crawler.extraction.story import StoryRegion, locate_story
from crawler.sites import spacedaily as profile

#: ``extractor.profile`` of a page no site profile knows (trafilatura alone).
GENERIC_NAME = "generic"

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SENTENCE_ENDS = frozenset(".!?:;\"\u201d\u2019")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026)\s*")
_QUOTES = " \"'\u201c\u201d\u2018\u2019\u00ab\u00bb"
_TEXT_NODES = etree.XPath(".//text()")
_BASE_HREF = etree.XPath("//head/base/@href")
#: How much of the text before a related report's photo finds the report it belongs to.
_PHOTO_ANCHOR_CHARS = 30
_HTML_LANG = re.compile(r"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)",
                        re.IGNORECASE)
_LANG_SCAN_CHARS = 4096
_BINARY_SNIFF_BYTES = 2048
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])


@dataclass(frozen=True)
class Extraction:
    """The outcome of one response: ``article`` is None unless outcome is an article."""

    outcome: str
    article: dict | None = None
    reason: str | None = None


def extract_response(
    url: str, status: int, headers: list[tuple[str, str]], payload: bytes
) -> Extraction:
    """Extract one archived response (payload still content-encoded)."""
    reason = not_a_candidate(url, status, headers)
    if reason is not None:
        return Extraction(NOT_ARTICLE, reason=reason)
    try:
        body = content_decode(payload, header_value(headers, "content-encoding"))
    except UndecodableBody as error:
        return Extraction(NOT_ARTICLE, reason=str(error))
    if _looks_binary(body):
        return Extraction(NOT_ARTICLE, reason="binary content")
    page, encoding = decode_html(body, header_value(headers, "content-type"))
    if not profile.is_network_host(urlsplit(url).hostname or ""):
        return _generic(page, url, encoding, GENERIC)
    root = _parse(page)
    region = locate_story(root) if root is not None else None
    if region is None:
        return _generic(page, url, encoding, FALLBACK)
    article = _article_from_region(region, root, _base_url(root, url), encoding)
    if not article["text"]:
        return Extraction(NO_BODY, reason="the profile found the story but no body text")
    return Extraction(ARTICLE if region.dateline else UNDATED, article)


def _article_from_region(region: StoryRegion, root, base_url: str, encoding: str) -> dict:
    dateline = region.dateline or Dateline(place=None, agency=None, published=None)
    published = dateline.published
    paragraphs = _story_paragraphs(region.body)
    if paragraphs:  # the wire's own dateline repeating the story's: "WASHINGTON, ... --"
        paragraphs[0] = split_inline_dateline(paragraphs[0], None)[1]
    if paragraphs and paragraphs[0].casefold() == region.title.casefold():
        paragraphs.pop(0)  # the headline repeated over the text (a pasted press release)
    last = profile.SOURCE_LINE.match(paragraphs[-1]) if paragraphs else None
    if last is not None and last.group(1) == region.source:
        paragraphs.pop()  # the story's source line, before its related reports
    return {
        "title": region.title,
        "byline": region.byline,
        "place": dateline.place,
        "agency": dateline.agency,
        "published": published,
        "source": region.source,
        "language": _language(root) or profile.LANGUAGE,
        "text": "\n".join(p for p in paragraphs if p),
        "images": _images(region.photos, base_url),
        "related_reports": [
            report
            for fragment, photos in zip(region.reports, region.report_photos, strict=True)
            for report in _related_reports(fragment, photos, base_url, published)],
        "encoding": encoding,
        "profile": profile.NAME,
    }


def _related_reports(fragment, photos: list[Photo], base_url: str,
                     story_published: str | None) -> list[dict]:
    """Headline, dateline and text of the "earlier related report(s)" after one marker.

    The dateline is either a line of its own with the year (current layout) or opens
    the first paragraph without it: "Warsaw (AFP) April 24 - text" (table layout). A
    marker may head several reports ("EARLIER RELATED REPORTS"): a headline-like line
    followed by a dateline line of its own starts the next one. A "Source:" line closing
    a report is its ``source``, not its text. A photo goes to the report whose text
    comes right before it (the first report, if none does).
    """
    title = _take_leading_element(fragment, _is_report_headline)
    dateline_line = _take_leading_element(fragment, lambda line: parse_dateline(line) is not None)
    paragraphs = _story_paragraphs(fragment)
    if title is None and paragraphs:
        title = paragraphs.pop(0)
    if dateline_line is None and paragraphs and parse_dateline(paragraphs[0]):
        dateline_line = paragraphs.pop(0)  # a line of its own, not an element's
    reports = _reports_from(title, dateline_line, paragraphs, story_published)
    owned: list[list[Photo]] = [[] for _ in reports]
    for photo in photos:
        owned[_report_after(photo.after, reports)].append(photo)
    return [{**report, "images": _images(mine, base_url)}
            for report, mine in zip(reports, owned, strict=True)]


def _report_after(text: str, reports: list[dict]) -> int:
    """The number of the (last) report whose headline or text holds the end of ``text``."""
    end = " ".join(text.split())[-_PHOTO_ANCHOR_CHARS:]
    return next((number for number in reversed(range(len(reports)))
                 if end and end in reports[number]["title"] + "\n" + reports[number]["text"]),
                0)


def _reports_from(title: str | None, dateline_line: str | None, paragraphs: list[str],
                  story_published: str | None) -> list[dict]:
    following = next((i for i in range(1, len(paragraphs) - 1)
                      if _opens_a_report(paragraphs[i], paragraphs[i + 1])), None)
    rest = []
    if following is not None:
        title_line, first, *more = paragraphs[following:]
        if parse_dateline(first) is not None:  # a dateline line of its own
            rest = _reports_from(title_line, first, more, story_published)
        else:  # "Prague (AFP) Nov 23 - text"
            rest = _reports_from(title_line, None, [first, *more], story_published)
        paragraphs = paragraphs[:following]
    source = None
    if paragraphs and (match := profile.SOURCE_LINE.match(paragraphs[-1])):
        source = match.group(1)  # the report's own credit, as the story's is a field
        paragraphs = paragraphs[:-1]
    dateline = parse_dateline(dateline_line) if dateline_line else None
    if dateline is None and paragraphs:
        year = int(story_published[:4]) if story_published else None
        dateline, paragraphs[0] = split_inline_dateline(paragraphs[0], year)
        paragraphs = [p for p in paragraphs if p]
        if dateline is not None:
            dateline = infer_year(dateline, story_published)
    report = {
        "title": title,
        "place": dateline.place if dateline else None,
        "agency": dateline.agency if dateline else None,
        "published": dateline.published if dateline else None,
        "source": source,
        "text": "\n".join(paragraphs),
    }
    return [report, *rest]


def _opens_a_report(line: str, next_line: str) -> bool:
    """A headline (short, no full stop) over a dateline line of its own or a paragraph
    opening with a dateline."""
    return (len(line) <= profile.HEADLINE_MAX_CHARS and line[-1] not in _SENTENCE_ENDS
            and _is_report_headline(line)
            and (parse_dateline(next_line) is not None
                 or match_inline_dateline(next_line) is not None))


def _story_paragraphs(fragment) -> list[str]:
    """The paragraphs of a story or report fragment, without the rights notices and the
    wire's sign-off that close it and the pull quotes that repeat it."""
    paragraphs = textwork.fragment_paragraphs(fragment)
    while paragraphs and (profile.WIRE_SIGN_OFF.match(paragraphs[-1]) or (
            profile.RIGHTS_NOTICE.search(paragraphs[-1])
            and paragraphs[-1][:1] not in _QUOTES)):  # a notice quoted is the writer's text
        paragraphs.pop()
    return [p for p in paragraphs if not _is_pull_quote(p, paragraphs)]


def _is_pull_quote(paragraph: str, paragraphs: list[str]) -> bool:
    """A short paragraph whose words another, longer paragraph of the story holds."""
    words = paragraph.strip(_QUOTES)
    if not profile.PULL_QUOTE_MIN_CHARS <= len(words) <= profile.PULL_QUOTE_MAX_CHARS:
        return False
    pieces = [piece.strip("".join(_SENTENCE_ENDS) + ", ") for piece in _ELLIPSIS.split(words)]
    pieces = [piece for piece in pieces if piece]  # "We will not ... abandon X."
    return any(len(other) > len(paragraph) and _holds_in_order(other, pieces)
               for other in paragraphs)


def _holds_in_order(text: str, pieces: list[str]) -> bool:
    """Whether ``text`` holds the pieces in this order (in any case: a pull quote may
    capitalise what opens it)."""
    text, start = text.casefold(), 0
    for piece in map(str.casefold, pieces):
        start = text.find(piece, start)
        if start < 0:
            return False
        start += len(piece)
    return bool(pieces)


def _is_report_headline(line: str) -> bool:
    return not match_inline_dateline(line) and parse_dateline(line) is None


def _take_leading_element(fragment, accept) -> str | None:
    """Remove and return the line of the element holding the fragment's first text, if
    that element holds nothing else and ``accept(line)``."""
    for text in _TEXT_NODES(fragment):
        if not text.strip():
            continue
        element = text.getparent()
        if text.is_tail or element is fragment:
            return None
        line = line_text(element)
        parent = element.getparent()
        while parent is not None and parent is not fragment and line_text(parent) == line:
            element, parent = parent, parent.getparent()
        if not accept(line):
            return None
        element.drop_tree()
        return line
    return None


def _generic(page: str, url: str, encoding: str, outcome: str) -> Extraction:
    document = textwork.generic_extraction(page, url)
    if document is None:
        reason = "no story text found"
        return Extraction(NO_BODY if outcome == FALLBACK else NOT_ARTICLE, reason=reason)
    article = {
        "title": document.get("title"),
        "byline": document.get("author"),
        "place": None,
        "agency": None,
        "published": document.get("date"),
        "source": None,
        "language": document.get("language") or _declared_language(page),
        "text": "\n".join(textwork.split_paragraphs(document.get("text") or "")),
        "images": _images([Photo(document["image"], None)] if document.get("image") else [], url),
        "related_reports": [],
        "encoding": encoding,
        "profile": GENERIC_NAME,
    }
    return Extraction(outcome, article, reason="generic extraction")


def _base_url(root, url: str) -> str:
    """What the page's relative addresses are relative to: its ``<base href>`` or URL."""
    base = _BASE_HREF(root)
    return (join_address(url, base[0].strip()) or url) if base else url


def _images(photos: list[Photo], base_url: str) -> list[dict]:
    """The record's ``images``: each photo's absolute http(s) address and caption, once
    each (a lazily loaded photo's ``<noscript>`` copy has no caption of its own)."""
    images: dict[str, str | None] = {}
    for photo in photos:
        url = join_address(base_url, photo.src)
        if split_address(url).scheme in ("http", "https"):
            images[url] = images.get(url) or photo.caption
    return [{"url": url, "caption": caption} for url, caption in images.items()]


#: "</body>" and "</html>": a browser reads on in the same body after them (a template's
#: include may close the page early), where libxml2 would close every open element,
#: or start a second top-level `<html>` for what follows.
_EARLY_END_TAGS = re.compile(r"</(?:body|html)\b[^>]*>", re.IGNORECASE)


def _parse(page: str):
    page = _XML_DECLARATION.sub("", page, count=1)
    if not page.strip():
        return None
    try:
        return html.document_fromstring(_EARLY_END_TAGS.sub("", page))
    except (etree.ParserError, ValueError):
        return None


def _language(root) -> str | None:
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    return lang.split("-")[0].lower() if lang else None


def _declared_language(page: str) -> str | None:
    """The `<html lang>` of a page we did not parse ourselves."""
    match = _HTML_LANG.search(page[:_LANG_SCAN_CHARS])
    return match.group(1).split("-")[0].lower() if match else None


def _looks_binary(body: bytes) -> bool:
    """NUL bytes or many control characters at the start: not a text document."""
    head = body[:_BINARY_SNIFF_BYTES]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) // 20


