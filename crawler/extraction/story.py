"""Find a story's landmarks in a page of the network, by structure.

A story page reads: headline, caption, byline, dateline, body, zero or more "earlier
related report" sub-stories, then an end landmark (source line, "Email This Article",
"Related Links", the RELATED LINKS comment). :func:`locate_story` finds those landmarks
in the lxml tree and cuts the body and each related report out as separate, cleaned
fragments; everything outside them (navigation, sidebar lists, teaser, footer) is never
looked at again; photos leave them as :class:`Photo` (address and caption). A page
without any dateline (a contributed piece) is read from its byline instead. The patterns
come from :mod:`crawler.sites.spacedaily`.
"""

from __future__ import annotations

import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field, replace
from functools import partial
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from crawler.extraction.dateline import Dateline, match_inline_dateline, parse_dateline
from crawler.extraction.fragments import cut_between
from crawler.sites import spacedaily as profile

_BOILERPLATE = etree.XPath(profile.BOILERPLATE_XPATH)
_IMAGES = etree.XPath(" | ".join(f".//{tag}" for tag in profile.IMAGE_TAGS))
_LINKS = etree.XPath(".//a[normalize-space()]")
_HREFS = etree.XPath(".//a/@href")
_PARAGRAPHS = etree.XPath(".//p")
_FORMS = etree.XPath(".//form")
_ROWS = etree.XPath("./tr | ./*/tr")
_CELLS = etree.XPath("./td | ./th")
_TEXT_WITH_PAREN = etree.XPath("//body//text()[contains(., '(')]")
_TEXT_BEFORE = etree.XPath("preceding::text()[normalize-space()][1]")
_PAGE_TITLES = etree.XPath(
    "//head/title/text() | //head/meta[@property='og:title' or @name='title']/@content"
)
_SPACES = re.compile(r"\s+")
_NBSP_GAP = re.compile(r"[ \t]*\xa0[ \t]*\xa0\s*")
_BREAKS = frozenset({"br", "hr", "wbr"})
_CAPTION_BLOCKS = _BREAKS | {"div", "p", "td", "th", "tr", "figcaption", "li", "center"}
_PIXELS = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")


@dataclass(frozen=True)
class Photo:
    """A story's photo: its address as the page writes it (maybe relative) and the text
    shown with it (caption and credit), if any."""

    src: str
    caption: str | None
    after: str = ""  # the text right before it in its fragment (see article._report_after)


@dataclass
class StoryRegion:
    """Landmarks of one story and the fragments holding its body and related reports,
    with the photos taken out of each (``report_photos`` parallel to ``reports``)."""

    title: str
    byline: str | None
    dateline: Dateline | None  # None: found by its byline, the page has no dateline
    source: str | None
    body: etree._Element
    photos: list[Photo] = field(default_factory=list)
    reports: list[etree._Element] = field(default_factory=list)
    report_photos: list[list[Photo]] = field(default_factory=list)


def line_text(element: etree._Element) -> str:
    """The element's text as one line (whitespace collapsed; a line break is a space)."""
    text = element.text_content() if element.find(".//br") is None else _spaced_text(element)
    return _SPACES.sub(" ", text).strip()


def _spaced_text(element: etree._Element, until_break: bool = False,
                 spaced: frozenset[str] = _BREAKS) -> str:
    """The element's text with a space for each line break ("Falls<br>Near") and around
    each element of ``spaced``, or only up to the first line break."""
    pieces = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        inner = node is not element
        if event == "end":
            if inner:
                pieces.append(" " if node.tag in spaced else "")
                pieces.append(node.tail or "")
        elif node.tag in _BREAKS and inner and until_break:
            break
        elif isinstance(node.tag, str):
            pieces.append(" " if inner and node.tag in spaced else "")
            pieces.append(node.text or "")
    return "".join(pieces)


def _short_line(element: etree._Element, limit: int = profile.LANDMARK_MAX_CHARS) -> str | None:
    """The element's line of text if it is a short landmark-like element, else None."""
    if not isinstance(element.tag, str):
        return None
    line = line_text(element)
    return line if line and len(line) <= limit else None


class _Page:
    """The page's elements in document order, numbered once."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.nodes = list(root.iter())
        self.order = {node: position for position, node in enumerate(self.nodes)}


def locate_story(root: etree._Element) -> StoryRegion | None:
    """The story of a page, or None when the page has no headline + dateline (or byline)
    + end."""
    page = _Page(root)
    found = _find_head(page)
    if found is None:
        return None
    dateline_element, dateline, bare, byline_before, headline = found
    if bare:  # the dateline is the element's tail text: it is not part of the body
        dateline_element.tail = None
    elif dateline_element.tail:  # a run-in dateline: "<b>Place (AFP) date</b> – text"
        dateline_element.tail = profile.RUN_IN_DATELINE_SEPARATOR.sub(
            "", dateline_element.tail, count=1)
    byline_after = _byline_after(page, dateline_element)
    body_start = _body_start(page, byline_after if byline_after is not None else dateline_element)
    markers, end, source = _scan_story(page, body_start)
    within = root
    if end is None:  # no end landmark (the oldest pages): the story's column ends it
        within = _story_container(body_start)
        markers = [marker for marker in markers if _inside(marker, within)]
    starts = [body_start, *markers]
    ends = [*markers, end]
    cleaned = [_clean(cut_between(s, e, within)) for s, e in zip(starts, ends, strict=True)]
    byline_element = byline_after if byline_after is not None else byline_before
    (body, body_photos), *reports = cleaned
    return StoryRegion(
        title=line_text(headline),
        byline=_byline_name(byline_element) or (dateline.byline if dateline else None),
        dateline=dateline,
        source=source,
        body=body,
        photos=_head_photos(page, headline, body_start) + body_photos,
        reports=[fragment for fragment, _ in reports],
        report_photos=[photos for _, photos in reports],
    )


def _head_photos(page: _Page, headline, body_start) -> list[Photo]:
    """Photos in a figure right above the headline, or between the headline and the body
    (a photo under the headline, its caption before the byline); the page itself is
    left as it is."""
    above = _previous_block(headline)
    photos = _photos_of([above]) if above is not None and _is_figure(above) else []
    head = page.nodes[page.order[headline] + 1:page.order[body_start]]
    # No small ones: beside the byline, a small image with a name is its author's badge.
    for image in [node for node in head
                  if node.tag in profile.IMAGE_TAGS and not _is_decoration(node)]:
        photos += _figure_and_photos(image, headline, partial(_caption_before, page, headline))[1]
    return photos


def _caption_before(page: _Page, headline, figure) -> list:
    """A head photo's caption set before it (beside the headline): the nearest short
    caption-like line between the headline and the photo, if any."""
    for node in reversed(page.nodes[page.order[headline] + 1:page.order[figure]]):
        if _inside(figure, node) or _inside(headline, node) or _inside(node, headline):
            continue
        line = _short_line(node, profile.CAPTION_MAX_CHARS)
        if node.tag in profile.CAPTION_TAGS and _is_caption_line(line):
            return [node]
    return []


def _is_figure(block) -> bool:
    """An image, or a block of images with a short text and no links in it."""
    if block.tag in profile.IMAGE_TAGS:
        return True
    return (bool(_IMAGES(block)) and not _LINKS(block)
            and len(line_text(block)) <= profile.CAPTION_MAX_CHARS)


def _story_container(node) -> etree._Element:
    return next(parent for parent in node.iterancestors()
                if parent.tag in profile.STORY_CONTAINER_TAGS or parent.getparent() is None)


def _find_head(page: _Page):
    """(dateline element, dateline, bare, byline before it, headline) of the story; for
    a story without a dateline (a contributed piece) its byline stands where the
    dateline would, and the dateline is None."""
    datelines = _datelines(page.root)
    bylines = ((byline, None, False) for byline in _bylines(page))
    return _first_head(page, datelines) or _first_head(page, bylines)


def _first_head(page: _Page, anchors):
    """The first anchor (dateline, or byline) with a headline before it wins, unless a
    later one (among the first few) has a headline that matches the page title: a
    ticker or teaser above the story does not capture it."""
    first = None
    for number, (element, dateline, bare) in enumerate(anchors):
        if number == profile.DATELINE_CANDIDATES:
            break
        byline, headline, in_title = _find_headline(page, element, bare)
        if headline is None or _report_marker_between(page, headline, element):
            continue
        found = (element, dateline, bare, byline if dateline else element, headline)
        if in_title:
            return found
        first = first or found
    return first


def _report_marker_between(page: _Page, headline, dateline_element) -> bool:
    """An "earlier related report" marker stands between the headline and the dateline
    (at or just before the headline): the dateline is a report's, never the story's,
    even when the story's own is in a form the profile does not read."""
    first = page.order[headline] - profile.REPORT_MARKER_LOOKBACK
    for node in page.nodes[max(0, first):page.order[dateline_element]]:
        if node.tag in profile.LANDMARK_TAGS and not _inside(headline, node):
            line = _short_line(node)
            if line is not None and profile.RELATED_REPORT_MARKER.match(line):
                return True
    return False


def _bylines(page: _Page):
    for node in page.nodes:
        if node.tag in profile.BYLINE_TAGS and profile.BYLINE.match(_short_line(node) or ""):
            yield node


def _datelines(root):
    """(element, dateline, bare) for each dateline line in document order: a short
    element whose whole text is a dateline, or (``bare``) a line of bare text that is
    one, given as the element it follows (whose tail it is)."""
    for text in _TEXT_WITH_PAREN(root):
        owner = text.getparent()
        if text.is_tail and (dateline := parse_dateline(text)) is not None:
            yield owner, dateline, True
            continue
        element = owner.getparent() if text.is_tail else owner
        for candidate in (element, element.getparent()):
            if candidate is None:
                break
            line = _short_line(candidate)
            if line is None:
                break
            dateline = _parse_gapped(candidate) or parse_dateline(line)
            if dateline is not None:
                yield candidate, dateline, False
                break


def _parse_gapped(element) -> Dateline | None:
    """The dateline of an element whose gap of no-break spaces separates a byline from
    it: "by Staff Writers&nbsp;&nbsp;Moscow (Interfax) ..."; None without such a gap."""
    text = element.text_content()
    if not _NBSP_GAP.search(text):
        return None
    return parse_dateline(_SPACES.sub(" ", _NBSP_GAP.sub(" / ", text)).strip())


def _find_headline(page: _Page, dateline_element, bare: bool):
    """(byline, headline, headline is in the page title) before the dateline: walking
    back from it, skip the byline and photo captions; prefer an element whose text is
    part of the page title (unless it is a link). A bare dateline comes after its
    element, which counts."""
    titles = [_SPACES.sub(" ", t).strip() for t in _PAGE_TITLES(page.root)]
    ancestors = set(dateline_element.iterancestors())
    byline = None
    fallback = None
    position = page.order[dateline_element] + int(bare)
    for node in reversed(page.nodes[max(0, position - profile.HEADLINE_LOOKBACK):position]):
        if node in ancestors:  # "<p>by X<br><span>Place (AFP) ...</span></p>"
            if byline is None and profile.BYLINE.match(node.text or ""):
                byline = node
            continue
        if node.tag not in profile.BYLINE_TAGS:
            continue
        line = _short_line(node, profile.HEADLINE_MAX_CHARS)
        if line is None or _is_inside_figure(node):
            continue
        if profile.BYLINE.match(line):
            byline = byline if byline is not None else node
            continue
        if node.tag not in profile.HEADLINE_TAGS:
            continue
        if not _is_link(node) and any(line in title for title in titles):
            return byline, _outermost_with_same_text(node, line), True
        fallback = fallback if fallback is not None else node
    return byline, fallback, False


def _is_link(node) -> bool:
    """A link, or an element that is all link: a navigation entry, which a site-name
    page title can contain ("..., Missile Defense"), never the story's headline."""
    return node.tag == "a" or (len(node) == 1 and node[0].tag == "a"
                               and not (node.text or "").strip()
                               and not (node[0].tail or "").strip())


def _outermost_with_same_text(node, line: str):
    parent = node.getparent()
    while parent is not None and parent.tag in profile.HEADLINE_TAGS and line_text(parent) == line:
        node, parent = parent, parent.getparent()
    return node


def _is_inside_figure(node) -> bool:
    """A caption: short text sharing a small block with an image, or right after one
    (spacers and icons do not count)."""
    return (any(not _is_decoration(image) for block in _figure_blocks(node)
                for image in _IMAGES(block))
            or _follows_image(node))


def _figure_blocks(node):
    """``node`` and its ancestors as long as they could be one figure: a short block
    with at most one child that has text (image + caption, nothing else), or a short
    ``<figure>``, all of whose text is about its image."""
    for block in (node, *node.iterancestors()):
        if block.tag not in profile.FIGURE_TAGS:
            return
        limit = (profile.CAPTION_MAX_CHARS if holds_loose_text(block)
                 else profile.WRAPPED_CAPTION_MAX_CHARS)
        if len(line_text(block)) > limit:
            return
        if block.tag != "figure" and _texts_in_children(block) > 1:
            return
        yield block


def holds_loose_text(block) -> bool:
    """Text directly in ``block``, not in an element of its own."""
    return bool((block.text or "").strip()) or any((child.tail or "").strip() for child in block)


def _texts_in_children(element) -> int:
    """Children with text, and text of its own; a photo credit not counted (it goes
    with the caption)."""
    children = sum(1 for child in element if isinstance(child.tag, str) and line_text(child)
                   and not _goes_with_caption(line_text(child)))
    return children + holds_loose_text(element)


def _goes_with_caption(line: str) -> bool:
    """A photo credit, or a hint that the photo opens larger or has a gallery."""
    return bool(profile.CREDIT_LINE.match(line) or _is_photo_hint(line))


def _is_photo_hint(line: str) -> bool:
    line = line.strip()
    return bool(line) and (profile.PHOTO_HINT.fullmatch(line) is not None
                           or profile.PHOTO_HINT_LINE.fullmatch(line) is not None)


def _follows_image(node) -> bool:
    previous = _previous_block(node)
    return (previous is not None and previous.tag in profile.IMAGE_TAGS
            and not _is_decoration(previous))


def _byline_after(page: _Page, dateline_element):
    """A byline right after the dateline (line breaks between, no text)."""
    if (dateline_element.tail or "").strip():
        return None
    for node in page.nodes[page.order[dateline_element] + 1:]:
        if _inside(node, dateline_element):
            continue
        if node.tag in _BREAKS or node.tag is etree.Comment:
            if (node.tail or "").strip():
                return None
            continue
        line = _short_line(node)
        if line is not None and profile.BYLINE.match(line):
            return node
        return None
    return None


def _byline_name(element) -> str | None:
    """The name a byline element gives: its first line, without a role after a slash or
    a comma (but with more names after a comma)."""
    if element is None:
        return None
    first_line = _SPACES.sub(" ", _spaced_text(element, until_break=True))
    match = profile.BYLINE.match(first_line)
    if match is None:
        return None
    name = match.group(1)
    cut = profile.BYLINE_ROLE_SEPARATOR.search(name)
    if cut is not None and (suffix := profile.BYLINE_NAME_SUFFIX.match(name[cut.start():])):
        cut = profile.BYLINE_ROLE_SEPARATOR.search(name, cut.start() + suffix.end())
    if cut is None or (profile.BYLINE_MORE_NAMES.match(name[cut.start():])
                       and not profile.BYLINE_ROLE_WORD.search(name)):
        return name
    return name[:cut.start()]


def _body_start(page: _Page, after):
    """The current layout's body-start comment, if neither story text nor an image
    comes between ``after`` and it (short lines may: an update time, a sharing row, as
    the head ends there); else ``after``."""
    start = page.order[after] + 1
    comment = next((node for node in page.nodes[start:] if node.tag is etree.Comment
                    and profile.BODY_START_COMMENT.search(node.text or "")), None)
    if comment is None:
        return after
    for node in page.nodes[start:page.order[comment]]:
        if (isinstance(node.tag, str) and not _inside(node, after)
                and not _inside(comment, node)
                and (node.tag in profile.IMAGE_TAGS
                     or len(line_text(node)) > profile.LANDMARK_MAX_CHARS)):
            return after
    return comment


def _scan_story(page: _Page, body_start):
    """Related-report markers, the end landmark and the source line after the start.

    A landmark is a short element, or a bare line of text after a leaf element (its
    tail: "<br>Source: AFP<br>"), which then stands for it. A bare marker's text is
    removed so the report that follows does not begin with it. The story ends at its
    last source line before the end landmark: a source line with story text after it
    credits a table or a quote ("Source: International Energy Agency"). An end line
    before any text ("Share this article" over the body) ends nothing.
    """
    markers: list[etree._Element] = []
    source: tuple[etree._Element, str, int] | None = None  # node, name, markers before
    text_seen = False
    for node in page.nodes[page.order[body_start] + 1:]:
        if node.tag is etree.Comment:
            if profile.BODY_END_COMMENT.match(node.text or ""):
                return _story_end(markers, node, source)
            if _bare_line(node) is None:
                continue
        if _inside(node, body_start) or any(_inside(node, marker) for marker in markers):
            continue
        if (lead := _leading_marker(node)) is not None:
            node.text = None  # the report begins after it, with the headline
            markers.append(lead)
        for line, bare in _landmark_lines(node):
            if profile.RELATED_REPORT_MARKER.match(line):
                if bare:
                    node.tail = None
                markers.append(node)
                break
            if match := profile.SOURCE_LINE.match(line):
                source = (node, match.group(1), len(markers))
                break
            if profile.STORY_END_LINE.match(line) and text_seen:
                return _story_end(markers, node, source)
        if not profile.TIMESTAMP_LINE.match(_short_line(node) or ""):
            text_seen = text_seen or bool((node.text or "").strip() or (node.tail or "").strip())
    return _story_end(markers, None, source)


def _story_end(markers: list, end, source):
    """(markers, end, source name): the last source line ends the story if there is one."""
    if source is None:
        return markers, end, None
    node, name, markers_before = source
    return markers[:markers_before], node, name


def _landmark_lines(node):
    """(line, bare) candidates of a node: its own short line, then its bare tail line."""
    if node.tag in profile.LANDMARK_TAGS and (line := _short_line(node)) is not None:
        yield line, False
    if (line := _bare_line(node)) is not None:
        yield line, True


def _leading_marker(node):
    """The line break after a related-report marker that opens a block, the report's
    headline after it: "<p>Earlier Related Report<br><b>Headline</b>"."""
    children = [child for child in node if isinstance(child.tag, str)]
    if (node.tag in profile.LANDMARK_TAGS and children and children[0].tag in _BREAKS
            and profile.RELATED_REPORT_MARKER.match(node.text or "")):
        return children[0]
    return None


def _bare_line(node) -> str | None:
    """The tail of a leaf element as one short line, if it is one."""
    if len(node) or not (node.tail or "").strip():
        return None
    line = _SPACES.sub(" ", node.tail).strip()
    return line if len(line) <= profile.LANDMARK_MAX_CHARS else None


def _inside(node, ancestor) -> bool:
    return any(parent is ancestor for parent in node.iterancestors())


def _clean(fragment: etree._Element) -> tuple[etree._Element, list[Photo]]:
    """Drop ads and their labels, scripts, forms, promotion and sharing boxes, link
    blocks, photos and their captions from a story fragment; return it and its photos."""
    story_chars = len(line_text(fragment))
    for block in [b for b in fragment.iterdescendants(*profile.PROMO_BLOCK_TAGS)
                  if _is_promo_block(b, story_chars)]:
        _drop(block)  # before the boilerplate: a promotion box's form marks it
    for block in [b for b in fragment.iterdescendants(*profile.SHARE_BLOCK_TAGS)
                  if _is_share_block(b)]:
        _drop(block)
    for element in _BOILERPLATE(fragment):
        _drop(element)
    for quote in fragment.iter("blockquote"):
        _drop_post_signature(quote)
    for block in [b for b in fragment.iterdescendants(*profile.LINK_BLOCK_TAGS)
                  if _is_link_block(b)]:
        heading = _heading_before(block)
        if heading is not None:
            _drop(heading)
        _drop(block)
    for line in [b for b in fragment.iterdescendants(*profile.LINK_LINE_TAGS)
                 if _is_link_line(b)]:
        _drop(line)
    photos = []
    for image in _IMAGES(fragment):
        if _is_icon(image) and _link_of(image) is None:
            _drop(image)  # a spacer or bullet in a paragraph takes nothing with it
        elif _inside(image, fragment):  # not in a figure dropped already
            parts, figure_photos = _figure_and_photos(image, fragment)
            before = " ".join(_TEXT_BEFORE(parts[0]))
            photos += [replace(photo, after=before) for photo in figure_photos]
            for part in parts:
                _drop(part)
    for label in [e for e in fragment.iterdescendants(*profile.LANDMARK_TAGS)
                  if _is_furniture_line(_short_line(e) or "")]:
        _drop(label)
    return fragment, photos


def _drop_post_signature(quote) -> None:
    """An embedded post's "— Name (@handle) <a>date</a>" line, in an element of its own
    or after the post's text."""
    for element in list(quote.iterdescendants()):
        if element.getparent() is None:
            continue
        if profile.POST_SIGNATURE.match(line_text(element)):
            _drop(element)
        elif profile.POST_SIGNATURE.match(element.tail or ""):
            element.tail = None
            following = element.getnext()
            if following is not None and following.tag == "a":
                _drop(following)


def _is_promo_block(block, story_chars: int) -> bool:
    """An appeal, offer or teaser box: short (a small part of the story, if it holds
    paragraphs), and a form, a teaser's image, an icon or a row of linked icons (and no
    photo), or only links to the site's own pages that are not stories."""
    if block.getparent() is None:
        return False
    chars = len(line_text(block))
    if chars > profile.PROMO_BLOCK_MAX_CHARS:
        return False
    if _PARAGRAPHS(block) and chars > profile.PROMO_BLOCK_MAX_SHARE * story_chars:
        return False
    images = _IMAGES(block)
    if _FORMS(block) or any(map(_is_teaser, images)):
        return True
    if (images and all(map(_is_icon, images)) and not _fills_a_cell(block)
            and (len(images) == 1 or all(_link_of(image) is not None for image in images))):
        return True  # an icon, or a row of linked icons (follow us), and no photo
    hrefs = [link.get("href") or "" for link in _LINKS(block)]
    targets = [urlsplit(href) for href in hrefs if not _opens_image(href)]  # not "Enlarge"
    return bool(targets) and all(_is_service_page(target) for target in targets)


def _fills_a_cell(block) -> bool:
    """All there is in a cell of a table row of several: a value, maybe with an icon
    (a flag beside a country's name), not a box in the page's story column."""
    cell = block if block.tag in ("td", "th") else next(block.iterancestors("td", "th"), None)
    row = cell.getparent() if cell is not None else None
    return row is not None and len(_CELLS(row)) > 1 and line_text(cell) == line_text(block)


def _is_teaser(image) -> bool:
    """An image linked to a story page: another story's teaser."""
    link = _link_of(image)
    if link is None:
        return False
    target = urlsplit(link.get("href") or "")
    return _on_network(target) and profile.is_article_path(target.path or "/")


def _is_service_page(target) -> bool:
    """A link to one of the network's own pages that is not a story (or a relative one)."""
    if target.scheme not in ("", "http", "https"):
        return False
    return _on_network(target) and not profile.is_article_path(target.path or "/")


def _on_network(target) -> bool:
    """A link to a network host, or a relative one."""
    return not target.netloc or profile.is_network_host(target.hostname or "")


def _is_furniture_line(line: str) -> bool:
    """An ad slot's label, a photo credit or a hint that a photo opens larger, a time of
    publication: lines about something else than the story."""
    return bool(profile.AD_LABEL.match(line) or _goes_with_caption(line)
                or profile.TIMESTAMP_LINE.match(line))


def _heading_before(block):
    """The short line right before a link block that heads it ("Related Stories")."""
    previous = block.getprevious()
    if previous is None or (previous.tail or "").strip() or _LINKS(previous):
        return None
    line = _short_line(previous, profile.LINK_BLOCK_HEADING_MAX_CHARS)
    return previous if line and line[-1] not in ".!?" else None


def _is_link_line(block) -> bool:
    """A short line of navigation links (see ``profile.LINK_LINE_SEPARATORS``)."""
    if block.getparent() is None or len(line_text(block)) > profile.LANDMARK_MAX_CHARS:
        return False
    links = _LINKS(block)
    if not links:
        return False
    rest = line_text(block)
    for link in links:
        rest = rest.replace(line_text(link), " ", 1)
    label = profile.LINK_LINE_LABEL.match(rest)
    if label:
        rest = rest[label.end():]
    if not profile.LINK_LINE_SEPARATORS.match(rest):
        return False
    if label or len(links) >= profile.LINK_LINE_MIN_LINKS:
        return True
    return not rest.strip() and not _heads_a_report(block)


def _heads_a_report(block) -> bool:
    """A line followed by a dateline, maybe past a photo: a related report's (linked)
    headline."""
    following = _next_block(block)
    while following is not None and _is_figure(following):
        following = _next_block(following)
    after = (block.tail or "").strip() or (line_text(following) if following is not None else "")
    return parse_dateline(after) is not None or match_inline_dateline(after) is not None


def _is_share_block(block) -> bool:
    """A sharing box: short, no paragraphs, and mostly (at least two) share links."""
    if block.getparent() is None or _PARAGRAPHS(block):
        return False
    if len(line_text(block)) > profile.PROMO_BLOCK_MAX_CHARS:
        return False
    targets = [urlsplit(href) for href in _HREFS(block)]
    shares = sum(1 for target in targets if _is_share_link(target))
    return shares >= profile.SHARE_BLOCK_MIN_LINKS and 2 * shares >= len(targets)


def _is_share_link(target) -> bool:
    """A link to another site that passes it the address of a network page."""
    if not target.netloc or profile.is_network_host(target.hostname or ""):
        return False
    return any(profile.is_network_host(urlsplit(value.strip()).hostname or "")
               for _, value in parse_qsl(target.query))


def _is_link_block(block) -> bool:
    """A headline or newsletter box: several links that make up most of its text."""
    links = _LINKS(block)
    if len(links) < profile.LINK_BLOCK_MIN_LINKS:
        return False
    linked = sum(len(line_text(link)) for link in links)
    return linked >= profile.LINK_BLOCK_SHARE * len(line_text(block))


def _figure_and_photos(image, bound, caption_above=None) -> tuple[list, list[Photo]]:
    """The blocks of the figure holding ``image`` (see :func:`_figure_parts`), and its
    photos: each with its own caption in a grid of photos side by side, else all with
    the figure's caption, which, when nothing after the figure is one, may be above it
    (``caption_above(figure)``: the block holding it, if any, in a list)."""
    grid = _photo_grid(image, bound)
    if grid is None and (cells := _photo_cells(image, bound)):
        return cells, [Photo(source, _caption_text(cell) or None) for cell in cells
                       for source in map(_photo_source, _IMAGES(cell)) if source]
    if grid is None:
        parts = _figure_parts(_figure_of(image, bound))
        if len(parts) == 1 and not line_text(parts[0]):
            parts += (caption_above or _caption_above)(parts[0])
        return parts, _photos_of(parts)
    credit = _next_block(grid)
    if credit is None or not profile.CREDIT_LINE.match(_short_line(credit) or ""):
        return [grid], _grid_photos(grid, [])
    return [grid, credit], _grid_photos(grid, [_caption_text(credit)])


def _photo_grid(image, bound):
    """The table laying ``image`` out beside other photos (a gallery strip, a pair to
    compare), each in a cell of its own, with nothing in it but short captions; None
    when ``image`` is in no such table."""
    table = next(image.iterancestors("table"), None)
    if table is None or table is bound or _inside(bound, table) or _LINKS(table):
        return None
    cells = [cell for row in _ROWS(table) for cell in _CELLS(row)]
    if (len(line_text(table)) > profile.WRAPPED_CAPTION_MAX_CHARS
            or any(len(line_text(cell)) > profile.LANDMARK_MAX_CHARS for cell in cells)):
        return None  # a row of long texts under the photos is the story's
    rows_of_photos = Counter(cell.getparent() for cell in cells
                             if any(map(_photo_source, _IMAGES(cell))))
    return table if rows_of_photos and max(rows_of_photos.values()) > 1 else None


def _grid_photos(table, credits: list[str]) -> list[Photo]:
    """The photos of a grid, each captioned by its own cell or, when that has no text,
    by the cell below it; a row of one cell and no image (a credit, a caption for all)
    and ``credits`` go with every photo."""
    rows = _ROWS(table)
    shared = [_caption_text(row) for row in rows if len(_CELLS(row)) == 1 and not _IMAGES(row)]
    photos = []
    for row, following in zip(rows, [*rows[1:], None], strict=True):
        below = [] if following is None or _IMAGES(following) else _CELLS(following)
        if len(below) == 1:
            below = []  # a row for all the photos: in ``shared``
        for column, cell in enumerate(_CELLS(row)):
            own = _caption_text(cell) or (
                _caption_text(below[column]) if column < len(below) else "")
            caption = " ".join(filter(None, [own, *shared, *credits])) or None
            photos += [Photo(source, caption) for source in map(_photo_source, _IMAGES(cell))
                       if source]
    return photos


def _figure_of(image, bound):
    """The figure around ``image``: the image alone (always, when it floats beside the
    text: ``align="right"``), or its largest enclosing short block below ``bound`` (see
    :func:`_figure_blocks`)."""
    figure = image
    if _floats(image) or _in_running_text(image):
        return figure
    for block in _figure_blocks(image.getparent()):
        if block is bound or _inside(bound, block):
            break
        figure = block
    return figure


def _photo_cells(image, bound) -> list:
    """The cells of the table row holding ``image`` beside other photos, each in a cell
    of its own, when its table is no grid (long texts under them are the story's)."""
    row = next(image.iterancestors("tr"), None)
    if row is None or row is bound or _inside(bound, row):
        return []
    cells = [cell for cell in _CELLS(row) if any(map(_photo_source, _IMAGES(cell)))]
    return cells if len(cells) > 1 else []


def _in_running_text(image) -> bool:
    """Set inside a line of text: words right before and after it, no line break
    between (that text is no caption)."""
    node = image if image.getparent().tag != "a" else image.getparent()
    previous = node.getprevious()
    before = node.getparent().text if previous is None else previous.tail
    return (bool((node.tail or "").strip()) and bool((before or "").strip())
            and (previous is None or previous.tag not in _BREAKS))


def _floats(image) -> bool:
    """Set beside the text it sits in (``align="right"``, ``style="float: left"``)."""
    return ((image.get("align") or "").strip().lower() in profile.FLOAT_ALIGNMENTS
            or profile.FLOAT_STYLE.search(image.get("style") or "") is not None)


def _figure_parts(figure) -> list:
    """The figure, the caption right after it when it holds no text of its own, and a
    credit line right after those."""
    parts = [figure]
    if not line_text(figure):
        caption = _caption_after(figure)
        if caption is not None:
            parts.append(caption)
    credit = _next_block(parts[-1])
    if credit is not None and profile.CREDIT_LINE.match(_short_line(credit) or ""):
        parts.append(credit)
    return parts


def _photos_of(parts: list) -> list[Photo]:
    """The story photos among a figure's images, each with the figure's caption."""
    caption = _figure_caption(parts)
    figure = parts[0]
    images = [figure] if figure.tag in profile.IMAGE_TAGS else _IMAGES(figure)
    caption_chars = _own_caption_chars(parts)
    sources = (_photo_source(image, caption_chars) for image in images)
    return [Photo(source, caption) for source in sources if source]


def _figure_caption(parts: list) -> str | None:
    """The text of a figure's parts; a credit set before the image (laid over it) goes
    last, where a reader takes it: "caption. Photo: credit"."""
    caption = " ".join(filter(None, map(_caption_text, parts)))
    for credit in map(_caption_text, _credits_before_image(parts[0])):
        if credit and caption.startswith(credit) and caption != credit:
            caption = f"{caption[len(credit):].strip()} {credit}"
    return caption or None


def _credits_before_image(figure) -> list:
    credits = []
    for element in figure.iterdescendants():
        if element.tag in profile.IMAGE_TAGS:
            break
        if isinstance(element.tag, str) and profile.CREDIT_LINE.match(line_text(element)):
            credits.append(element)
    return credits


def _own_caption_chars(parts: list) -> int:
    """The length of a figure's caption beyond the text of links (a teaser's linked
    headline is no caption) and ad labels ("Advertisement" over a linked banner)."""
    linked = sum(len(line_text(link)) for part in parts for link in _LINKS(part))
    texts = [text for text in map(_caption_text, parts) if not profile.AD_LABEL.match(text)]
    return max(0, sum(map(len, texts)) - linked)


def _caption_text(element) -> str:
    """A caption part's text, its blocks apart ("...July 2013. Image: USGS"), without a
    hint that the photo opens larger or has a gallery."""
    hints = [node for node in element.iterdescendants()
             if isinstance(node.tag, str) and _is_photo_hint(line_text(node))]
    if hints:  # taken out of a copy: the page stays as it is
        copy = deepcopy(element)
        for original, copied in zip(element.iter(), copy.iter(), strict=True):
            if any(original is hint for hint in hints):
                copied.text = None
                copied.drop_tree()
        element = copy
    text = profile.PHOTO_HINT.sub(" ", _spaced_text(element, spaced=_CAPTION_BLOCKS))
    return _SPACES.sub(" ", text).strip()


def _photo_source(image, caption_chars: int = 0) -> str | None:
    """The address of a story photo, given the length of its own caption; None for a
    placeholder inside another image, a logo, an image with no address but a placeholder, a
    spacer or icon, a small image without a short caption (a name), and a linked image
    (a button, an ad, a teaser's thumbnail) unless the link opens the image enlarged,
    or the image has a caption of its own and is no teaser."""
    if (next(image.iterancestors(*profile.IMAGE_TAGS), None) is not None
            or any(profile.LOGO.search(image.get(name) or "") for name in ("src", "alt", "class"))):
        return None
    link = _link_of(image)
    if _is_decoration(image) and (
            _is_icon(image) or link is not None
            or not 0 < caption_chars <= profile.NAME_CAPTION_MAX_CHARS):
        return None
    if (link is not None and not _opens_image(link.get("href") or "")
            and (not caption_chars or _is_teaser(image))):
        return None
    addresses = (image.get(name, "").strip() for name in profile.IMAGE_SOURCE_ATTRIBUTES)
    return next((address for address in addresses
                 if address and not address.startswith("data:")), None)


def _opens_image(href: str) -> bool:
    """A link to an image file, or a script opening one (the photo enlarged)."""
    return bool(profile.IMAGE_FILE.search(urlsplit(href).path)
                or profile.IMAGE_IN_SCRIPT.match(href))


def _link_of(image):
    return next(image.iterancestors("a"), None)


def _is_decoration(image) -> bool:
    """A spacer, icon or headshot: declared smaller than a photo either way, in its
    attributes or its style."""
    return _smallest_side(image) < profile.PHOTO_MIN_PIXELS


def _is_icon(image) -> bool:
    """A spacer, bullet or icon: too small for a photo even with a caption."""
    return _smallest_side(image) < profile.CAPTIONED_PHOTO_MIN_PIXELS


def _smallest_side(image) -> float:
    """The smaller of the declared width and height, in attributes or style."""
    style = image.get("style") or ""
    return min(min(_declared_pixels(image.get(side)), _styled_pixels(style, side))
               for side in ("width", "height"))


def _styled_pixels(style: str, side: str) -> float:
    """``width: 1px`` in a style attribute; infinite when not given in pixels."""
    match = re.search(rf"(?:^|[;\s]){side}\s*:\s*(\d+(?:\.\d+)?)px", style, re.IGNORECASE)
    return float(match.group(1)) if match else float("inf")


def _declared_pixels(value: str | None) -> float:
    """A width or height attribute in pixels; infinite when not given in pixels."""
    match = _PIXELS.match(value or "")
    return float(match.group(1)) if match else float("inf")


def _caption_after(figure):
    """The short caption block right after ``figure`` (line breaks between), if any."""
    following = _next_block(figure)
    if following is None:
        return None
    if (following.tag not in profile.CAPTION_TAGS and not _styled_as_caption(following)
            and not profile.CAPTION_CLASS.search(following.get("class") or "")):
        return None
    line = _short_line(following, profile.CAPTION_MAX_CHARS)
    if not _is_caption_line(line) or _set_like(following, _previous_block(figure)):
        return None
    return following


def _set_like(block, other) -> bool:
    """Two blocks of the same tag and class: paragraphs of the story, where every
    paragraph is a ``<span class="BT">``, not a caption under a photo between them."""
    return (other is not None and block.tag == other.tag and bool(block.get("class"))
            and block.get("class") == other.get("class") and bool(line_text(other)))


def _caption_above(figure) -> list:
    """A caption set above its photo in the story: the short block right before
    ``figure``, set apart from the paragraphs as a caption (see :func:`_set_as_caption`)."""
    previous = _previous_block(figure)
    if previous is None or not _is_caption_line(
            _short_line(previous, profile.CAPTION_MAX_CHARS)):
        return []
    return [previous] if _set_as_caption(previous) else []


def _set_as_caption(block) -> bool:
    """A block whose class calls it a caption, or whose whole text is one run with a
    class of its own, one the block before it does not share (``<p><span class="PC">``
    among plain paragraphs): not italics alone, which an editor's note shares."""
    if profile.CAPTION_CLASS.search(block.get("class") or ""):
        return True
    run = _sole_run(block)
    if run is None or not run.get("class"):
        return False
    previous = _previous_block(block)
    before = _sole_run(previous) if previous is not None else None
    return before is None or (before.tag, before.get("class")) != (run.tag, run.get("class"))


def _sole_run(block):
    """The one child element holding all of ``block``'s text, if there is one."""
    children = [child for child in block if isinstance(child.tag, str)]
    if (len(children) != 1 or (block.text or "").strip()
            or (children[0].tail or "").strip()):
        return None
    return children[0]


def _is_caption_line(line: str | None) -> bool:
    """Short text that is not the story's own byline or dateline."""
    return bool(line) and not profile.BYLINE.match(line) and parse_dateline(line) is None


def _previous_block(element):
    """The element right before ``element``, past line breaks; None if text comes
    between."""
    previous = element.getprevious()
    while previous is not None and previous.tag in _BREAKS and not (previous.tail or "").strip():
        previous = previous.getprevious()
    if previous is None or (previous.tail or "").strip():
        return None
    return previous


def _next_block(element):
    """The element right after ``element``, past line breaks; None if text comes first."""
    if (element.tail or "").strip():
        return None
    following = element.getnext()
    while following is not None and following.tag in _BREAKS and not (following.tail or "").strip():
        following = following.getnext()
    return following


def _styled_as_caption(element) -> bool:
    """A block whose whole text is one italic or small-print run, or which its style
    sets in small print."""
    if profile.SMALL_PRINT_STYLE.search(element.get("style") or ""):
        return True
    run = _sole_run(element)
    return run is not None and run.tag in profile.CAPTION_STYLE_TAGS


def _drop(element) -> None:
    if element.getparent() is not None:
        element.drop_tree()
