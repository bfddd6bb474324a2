"""trafilatura, set up once per process for the two jobs it does here.

* :func:`fragment_paragraphs`: the text of a story fragment the site profile has
  already cut out and cleaned. Metadata detection is off (the profile parses the
  fields), tables are kept, formatting and links are not, and the size thresholds are
  lowered because a fragment is the story and nothing else.
* :func:`generic_extraction`: pages of sites without a profile, with the setting that
  scores best on public benchmarks (``favor_precision=True``, no comments).
"""

from __future__ import annotations

import re
from copy import deepcopy

import trafilatura
from lxml import etree, html
from trafilatura.settings import DEFAULT_CONFIG, Extractor

from crawler.extraction.blocks import drop, holds_loose_text, inside, line_text

_CONFIG = deepcopy(DEFAULT_CONFIG)
_CONFIG["DEFAULT"]["EXTRACTION_TIMEOUT"] = "0"  # signal-based timeouts break off the main thread
_CONFIG["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
_CONFIG["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"

_FRAGMENT_OPTIONS = Extractor(
    config=_CONFIG, output_format="txt", fast=True, precision=False, recall=True,
    comments=False, formatting=False, links=False, images=False, tables=True,
    dedup=False, lang=None,
)
_TABLES = etree.XPath("descendant-or-self::table")
_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
_CELLS = etree.XPath("./td | ./th")
_LAYOUT_CELLS = etree.XPath("./tr/td | ./tbody/tr/td")
_LAYOUT_PARTS = etree.XPath("./tbody | ./tr | ./tbody/tr | ./tr/td | ./tbody/tr/td")
_LISTS = etree.XPath(".//ul | .//ol")
_ITEMS = etree.XPath("./li")
_DIVISION_TAGS = frozenset(
    {"div", "center", "section", "article", "aside", "header", "footer", "main", "address"}
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
     "blockquote", "figure", "center", "section", "article", "aside", "header", "footer",
     "pre", "form", "nav", "main", "address"}
)
#: Characters a line that ends a sentence or a heading-like line ends with.
_LINE_ENDS = frozenset(".!?:;\"'\u201d\u2019)]")
#: A line longer than this is prose, not a list item or a heading.
_PROSE_LINE_MIN_CHARS = 100
#: A line ending in a web address ("... at nexgrip.com/opengrip") ends there.
_ENDS_IN_ADDRESS = re.compile(r"\S+(?:/\S*|\.[a-z]{2,})$", re.IGNORECASE)
#: ... and so does a clause of a list: "...the satellites of others; and".
_ENDS_A_CLAUSE = re.compile(r";\s*(?:and|or)$")
#: A class or id that hides an element ("hidden", "is-hidden", "hide-mobile"), a style.
_HIDING = re.compile(r"hid(?:e|den)", re.IGNORECASE)
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_PARAGRAPHS = etree.XPath(".//p | .//li | .//h2 | .//h3 | .//blockquote")
#: Elements that may be hidden, found in C before the checks above.
_HIDING_CANDIDATES = etree.XPath(
    ".//*[@hidden or @aria-hidden or @style or contains(translate(@class, 'HIDE', 'hide'),"
    " 'hid') or contains(translate(@id, 'HIDE', 'hide'), 'hid')]")
#: A line end and the spaces around it (not no-break spaces).
_LINE_END = re.compile(r"[ \t\r\f]*\n[ \t\r\n\f]*")
_GENERIC_CONFIG = deepcopy(DEFAULT_CONFIG)
_GENERIC_CONFIG["DEFAULT"]["EXTRACTION_TIMEOUT"] = "0"


def fragment_paragraphs(fragment: etree._Element) -> list[str]:
    """The paragraphs of a cleaned story fragment, in reading order.

    List items and table rows become one line each (cells joined by " | "), like
    paragraphs, instead of trafilatura's Markdown-like "- item" and "| a | b |".
    """
    # A comment shows nothing, but trafilatura drops the text after one at a link's end.
    etree.strip_elements(fragment, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    collapse_line_ends(fragment)
    flatten_lists_and_tables(fragment)
    join_broken_sentences(fragment)
    wrap_loose_text(fragment)
    escape_ampersands(fragment)
    unhide(fragment)
    document = _as_document(fragment)
    text = trafilatura.extract(document, options=_FRAGMENT_OPTIONS)
    return _join_split_sentences(split_paragraphs(text or ""))


def collapse_line_ends(fragment: etree._Element) -> None:
    """A line end in the source, with the spaces around it, is one space, as a browser
    shows it (hard-wrapped text); trafilatura keeps those in a paragraph holding a
    `<br>`. Preformatted text keeps its lines."""
    for element in fragment.iter():
        if isinstance(element.tag, str) and element.text and "\n" in element.text \
                and not _in_pre(element):
            element.text = _LINE_END.sub(" ", element.text)
        if element.tail and "\n" in element.tail and not _in_pre(element.getparent()):
            element.tail = _LINE_END.sub(" ", element.tail)


def _in_pre(element) -> bool:
    return element is not None and (element.tag == "pre" or any(
        ancestor.tag == "pre" for ancestor in element.iterancestors()))


def unhide(fragment: etree._Element) -> None:
    """Reveal the rest of the story behind a "Read more" button: a hidden element (by
    ``style``, ``hidden``, ``aria-hidden``, a "hidden" or "hide" class or id) holding two
    paragraphs or more, which trafilatura would drop. Any other hidden element (a
    "thanks for subscribing" message, a mobile-only copy of the lead) goes."""
    for element in [e for e in _HIDING_CANDIDATES(fragment) if _is_hidden(e)]:
        if element.getparent() is None or not inside(element, fragment):
            continue  # in a hidden element dropped already
        if len([p for p in _PARAGRAPHS(element) if p.text_content().strip()]) < 2:
            drop(element)
            continue
        for name in ("style", "hidden", "aria-hidden"):
            element.attrib.pop(name, None)
        for name in ("class", "id"):
            if _HIDING.search(element.get(name, "")):
                del element.attrib[name]


def _is_hidden(element) -> bool:
    return ("hidden" in element.attrib or element.get("aria-hidden") == "true"
            or _HIDING_STYLE.search(element.get("style", "")) is not None
            or any(_HIDING.search(element.get(name, "")) for name in ("class", "id")))


def escape_ampersands(fragment: etree._Element) -> None:
    """Every "&" of the text as "&amp;": trafilatura unescapes the text it outputs once
    more, which would turn what the reader sees, "&quot;" (an entity the CMS escaped
    twice, or a story about HTML), into a quotation mark."""
    for element in fragment.iter():
        if isinstance(element.tag, str) and element.text and "&" in element.text:
            element.text = element.text.replace("&", "&amp;")
        if element.tail and "&" in element.tail:
            element.tail = element.tail.replace("&", "&amp;")


def flatten_lists_and_tables(fragment: etree._Element) -> None:
    """Rewrite each table row and list item of ``fragment`` as a `<p>` of its own; a
    layout table (the story's own column) becomes plain blocks instead."""
    for table in reversed(_TABLES(fragment)):  # innermost first; the fragment itself too
        if any(_holds_story_text(cell) for cell in _LAYOUT_CELLS(table)):
            for element in (table, *_LAYOUT_PARTS(table)):
                element.tag = "div"
            continue
        if table is fragment:
            continue
        rows = [" | ".join(line_text(cell) for cell in _CELLS(row)) for row in _ROWS(table)]
        _replace_with_paragraphs(table, [row for row in rows if row.strip(" |")])
    for listing in reversed(_LISTS(fragment)):
        _replace_with_paragraphs(listing, [line_text(item) for item in _ITEMS(listing)])


def _join_split_sentences(lines: list[str]) -> list[str]:
    """A paragraph cut mid-sentence by a stray ``</p><p>`` is one: a line of prose that
    ends without a sentence's end, then a line going on in lower case."""
    joined: list[str] = []
    for line in lines:
        if joined and _goes_on(joined[-1], line):
            joined[-1] += " " + line
        else:
            joined.append(line)
    return joined


def _goes_on(line: str, following: str) -> bool:
    return (len(line) > _PROSE_LINE_MIN_CHARS and line[-1] not in _LINE_ENDS
            and " | " not in line and following[:1].islower()
            and not _ENDS_IN_ADDRESS.search(line) and not _ENDS_A_CLAUSE.search(line))


def _holds_story_text(cell: etree._Element) -> bool:
    """A cell holding paragraphs (two blocks, text and a block, or a blank line between
    runs of text) or a paragraph of prose, not a value: its table lays out the page."""
    blocks = sum(1 for child in cell if child.tag in _BLOCK_TAGS)
    line = line_text(cell)
    if len(line) > _PROSE_LINE_MIN_CHARS and line[-1] in _LINE_ENDS:
        return True
    return blocks + holds_loose_text(cell) >= 2 or any(
        br.getnext() is not None and br.getnext().tag == "br" and not (br.tail or "").strip()
        for br in cell.iterchildren("br"))


def join_broken_sentences(fragment: etree._Element) -> None:
    """Turn a single line break inside a sentence into a space: the text before it ends
    without a full stop (or colon, or closing quote) and the text after it goes on in
    lower case ("... to touchdown,<br>including two ..."), as pasted text has it. Every
    other line break stays one (a headline, a dateline and a first line are lines)."""
    for br in list(fragment.iter("br")):
        following = br.getnext()
        if following is not None and following.tag == "br" and not (br.tail or "").strip():
            continue
        before = _text_before(br).rstrip()
        after = (br.tail or "").lstrip()
        if before and before[-1] not in _LINE_ENDS and after[:1].islower():
            br.tail = " " + after
            br.drop_tag()


def _text_before(br: etree._Element) -> str:
    """The text right before ``br`` when it is plain text ("" after an element)."""
    previous = br.getprevious()
    if previous is None:
        return br.getparent().text or ""
    return previous.tail or ""


def wrap_loose_text(fragment: etree._Element) -> None:
    """Put text that sits loose between blocks (the tail of a table, a paragraph left
    unclosed before a `<div>`) into `<p>`s of its own, make divisions that hold only
    text paragraphs and paragraphs that hold blocks divisions: trafilatura drops such
    text in some contexts, and reorders paragraphs nested in paragraphs."""
    blocks = _block_elements(fragment)
    for element in list(blocks):
        if any(child in blocks for child in element):
            _wrap_runs(element, blocks)
            if element.tag == "p":  # a paragraph holding paragraphs (broken markup)
                element.tag = "div"
        elif element.tag in _DIVISION_TAGS:
            element.tag = "p"  # a division holding only text is a paragraph


def _block_elements(fragment: etree._Element) -> set:
    """Block-level elements, and inline ones that hold a block (`<font>` around `<p>`s)."""
    blocks = set()
    for element in reversed(list(fragment.iter())):
        if element.tag in _BLOCK_TAGS or any(child in blocks for child in element):
            blocks.add(element)
    return blocks


def _wrap_runs(container: etree._Element, blocks: set) -> None:
    children = list(container)
    leading, container.text = container.text, None
    for child in children:
        container.remove(child)
    run: list[etree._Element] = []
    for child in children:
        if child in blocks:
            _append_run(container, leading, run)
            leading, child.tail, run = child.tail, None, []
            container.append(child)
        else:
            run.append(child)
    _append_run(container, leading, run)


def _append_run(container: etree._Element, leading: str | None, run: list) -> None:
    """Append inline content to ``container``: wrapped in a `<p>` if it has text."""
    has_text = (leading or "").strip() or any(
        (isinstance(e.tag, str) and e.text_content().strip()) or (e.tail or "").strip()
        for e in run
    )
    if has_text:
        paragraph = etree.SubElement(container, "p")
        paragraph.text = leading
        paragraph.extend(run)
        return
    if len(container):
        container[-1].tail = leading
    else:
        container.text = leading
    container.extend(run)


def _replace_with_paragraphs(element: etree._Element, lines: list[str]) -> None:
    block = html.Element("div")
    for line in lines:
        if line:
            etree.SubElement(block, "p").text = line
    block.tail = element.tail
    element.getparent().replace(element, block)


def split_paragraphs(text: str) -> list[str]:
    """The lines of ``text``, whitespace collapsed (a `<pre>` block's columns too)."""
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _as_document(fragment: etree._Element) -> html.HtmlElement:
    """Wrap a fragment as `<html><body><article>` so it is read as one main text."""
    document = html.Element("html")
    body = etree.SubElement(document, "body")
    article = etree.SubElement(body, "article")
    if fragment.tag in ("html", "body"):
        article.text = fragment.text
        article.extend(list(fragment))
    else:
        article.append(fragment)
    return document


def generic_extraction(page: str, url: str) -> dict | None:
    """trafilatura on a whole page of a site we have no profile for."""
    document = trafilatura.bare_extraction(
        page, url=url, favor_precision=True, include_comments=False, include_tables=True,
        with_metadata=True, config=_GENERIC_CONFIG,
    )
    if document is None:
        return None
    fields = document.as_dict()
    return fields if (fields.get("text") or "").strip() else None
