"""Find a story's landmarks in a page of the network, by structure.

A story page reads: headline, caption, byline, dateline, body, zero or more "earlier
related report" sub-stories, then an end landmark (source line, "Email This Article",
"Related Links", the RELATED LINKS comment). :func:`locate_story` finds those landmarks
in the lxml tree and cuts the body and each related report out as separate, cleaned
fragments; everything outside them (navigation, sidebar lists, teaser, footer) is never
looked at again; photos leave them as :class:`~crawler.extraction.photos.Photo`
(address and caption, found by :mod:`crawler.extraction.photos`). A page
without any dateline (a contributed piece) is read from its byline instead. The patterns
come from :mod:`crawler.sites.spacedaily`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial
from urllib.parse import parse_qsl

from lxml import etree

from crawler.extraction.blocks import (
    BREAKS,
    CELLS,
    IMAGES,
    LINKS,
    SPACES,
    drop,
    inside,
    line_text,
    next_block,
    previous_block,
    short_line,
    spaced_text,
    split_address,
)
from crawler.extraction.dateline import Dateline, match_inline_dateline, parse_dateline
from crawler.extraction.fragments import cut_between
from crawler.extraction.photos import (
    Photo,
    figure_and_photos,
    goes_with_caption,
    is_caption_line,
    is_decoration,
    is_figure,
    is_icon,
    is_inside_figure,
    is_teaser,
    link_of,
    opens_image,
    photos_of,
)
from crawler.sites import spacedaily as profile

_BOILERPLATE = etree.XPath(profile.BOILERPLATE_XPATH)


_HREFS = etree.XPath(".//a/@href")


_PARAGRAPHS = etree.XPath(".//p")


_FORMS = etree.XPath(".//form")


_TEXT_WITH_PAREN = etree.XPath("//body//text()[contains(., '(')]")


_TEXT_BEFORE = etree.XPath("preceding::text()[normalize-space()][1]")


_PAGE_TITLES = etree.XPath(
    "//head/title/text() | //head/meta[@property='og:title' or @name='title']/@content"
)


_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
_MEDIA = etree.XPath(".//audio | .//video")
_EMBED_PLACEHOLDER = re.compile(r"^\[[^\[\]]{1,40}\]$")
_NBSP_GAP = re.compile(r"[ \t]*\xa0[ \t]*\xa0\s*")


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


class _Page:
    """The page's elements in document order, numbered once."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.nodes = list(root.iter())
        self.order = {node: position for position, node in enumerate(self.nodes)}

    def first(self, *nodes):
        """The first of ``nodes`` in document order (None stands for the page's end)."""
        return min(nodes, key=lambda node: len(self.nodes) if node is None else self.order[node])


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
    markers, end, source, release_ends = _scan_story(page, body_start)
    within = root
    if end is None:  # no end landmark (the oldest pages): the story's column ends it
        within = _story_container(body_start)
        markers = [marker for marker in markers if inside(marker, within)]
    starts = [body_start, *markers]
    ends = [page.first(release_ends.get(start), piece_end)
            for start, piece_end in zip(starts, [*markers, end], strict=True)]
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
    above = previous_block(headline)
    photos = photos_of([above]) if above is not None and is_figure(above) else []
    head = page.nodes[page.order[headline] + 1:page.order[body_start]]
    # No small ones: beside the byline, a small image with a name is its author's badge.
    for image in [node for node in head
                  if node.tag in profile.IMAGE_TAGS and not is_decoration(node)]:
        photos += figure_and_photos(image, headline, partial(_caption_before, page, headline))[1]
    return photos


def _caption_before(page: _Page, headline, figure) -> list:
    """A head photo's caption set before it (beside the headline): the nearest short
    caption-like line between the headline and the photo, if any."""
    for node in reversed(page.nodes[page.order[headline] + 1:page.order[figure]]):
        if inside(figure, node) or inside(headline, node) or inside(node, headline):
            continue
        line = short_line(node, profile.CAPTION_MAX_CHARS)
        if node.tag in profile.CAPTION_TAGS and is_caption_line(line):
            return [node]
    return []


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
        if node.tag in profile.LANDMARK_TAGS and not inside(headline, node):
            line = short_line(node)
            if line is not None and profile.RELATED_REPORT_MARKER.match(line):
                return True
    return False


def _bylines(page: _Page):
    for node in page.nodes:
        if node.tag in profile.BYLINE_TAGS and profile.BYLINE.match(short_line(node) or ""):
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
            line = short_line(candidate)
            if line is None:
                break
            dateline = _parse_gapped(candidate) or parse_dateline(line)
            if dateline is not None:
                yield candidate, dateline, False
                break


def _parse_gapped(element) -> Dateline | None:
    """The dateline of an element whose gap of no-break spaces separates a byline from
    it: "by Staff Writers&nbsp;&nbsp;Moscow (Interfax) ..."; None without such a gap."""
    before, *after = _NBSP_GAP.split(element.text_content(), maxsplit=1)
    byline = _name_in_byline(before) if after else None
    dateline = parse_dateline(SPACES.sub(" ", after[0]).strip()) if byline else None
    return replace(dateline, byline=byline) if dateline is not None else None


def _find_headline(page: _Page, dateline_element, bare: bool):
    """(byline, headline, headline is in the page title) before the dateline: walking
    back from it, skip the byline, photo captions and links (navigation entries); prefer
    an element whose text is part of the page title. A bare dateline comes after its
    element, which counts."""
    titles = [SPACES.sub(" ", t).strip() for t in _PAGE_TITLES(page.root)]
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
        line = short_line(node, profile.HEADLINE_MAX_CHARS)
        if line is None or is_inside_figure(node):
            continue
        if profile.BYLINE.match(line):
            byline = byline if byline is not None else node
            continue
        if node.tag not in profile.HEADLINE_TAGS or not _WORD.search(line):
            continue  # a separator ("|") is no headline
        if _is_navigation(node) or _is_furniture_line(line):
            continue  # a site-name page title can contain a navigation entry; a time label
        if any(line in title for title in titles):
            return byline, _outermost_with_same_text(node, line), True
        fallback = fallback if fallback is not None else node
    return byline, fallback, False


def _is_navigation(node) -> bool:
    """A link to a page that is no story (a section, the newsletter), a part of one, or
    an element all of whose words are such links: a navigation entry or column, which a
    site-name page title can contain ("..., Missile Defense"), never the story's
    headline. A headline may link to its own story."""
    link = node if node.tag == "a" else next(node.iterancestors("a"), None)
    links = [link] if link is not None else node.findall(".//a")
    if not links or (link is None and SPACES.sub("", line_text(node)) != SPACES.sub(
            "", "".join(line_text(each) for each in links))):
        return False
    return not any(profile.is_article_path(split_address(each.get("href") or "").path)
                   for each in links)


def _outermost_with_same_text(node, line: str):
    parent = node.getparent()
    while parent is not None and parent.tag in profile.HEADLINE_TAGS and line_text(parent) == line:
        node, parent = parent, parent.getparent()
    return node


def _byline_after(page: _Page, dateline_element):
    """A byline right after the dateline (line breaks between, no text)."""
    if (dateline_element.tail or "").strip():
        return None
    for node in page.nodes[page.order[dateline_element] + 1:]:
        if inside(node, dateline_element):
            continue
        if node.tag in BREAKS or node.tag is etree.Comment:
            if (node.tail or "").strip():
                return None
            continue
        line = short_line(node)
        if line is not None and profile.BYLINE.match(line):
            return node
        return None
    return None


def _byline_name(element) -> str | None:
    """The name a byline element gives: its first line (up to a gap of no-break spaces),
    without a role after a slash, a comma, a bar or a bracket (but with more names after
    a comma)."""
    if element is None:
        return None
    return _name_in_byline(_NBSP_GAP.split(spaced_text(element, until_break=True))[0])


def _name_in_byline(line: str) -> str | None:
    """The name(s) a byline line gives ("by X"), without the roles after them."""
    match = profile.BYLINE.match(SPACES.sub(" ", line))
    if match is None:
        return None
    name = profile.BYLINE_BRACKETED_ROLE.sub("", match.group(1))
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
        if (isinstance(node.tag, str) and not inside(node, after)
                and not inside(comment, node)
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
    credits a table or a quote ("Source: International Energy Agency"); but a source
    line right before the first report marker is the story's, and the reports keep
    theirs. An end line before any text ("Share this article" over the body) ends
    nothing. A press release's end mark ends the piece it is in (the story or a report)
    unless a story sentence follows it in the piece (then it divided sections):
    ``release_ends`` maps the piece's start to it.
    """
    markers: list[etree._Element] = []
    release_ends: dict[etree._Element, etree._Element] = {}
    source: tuple[etree._Element, str, int] | None = None  # node, name, markers before
    story_source: str | None = None  # a source line right before the first marker
    text_seen = text_since_source = False
    for node in page.nodes[page.order[body_start] + 1:]:
        if node.tag is etree.Comment:
            if profile.BODY_END_COMMENT.match(node.text or ""):
                return (*_story_end(markers, node, source, story_source), release_ends)
            if _bare_line(node) is None:
                continue
        if inside(node, body_start) or any(inside(node, marker) for marker in markers):
            continue
        kind, marker, name = _landmark(node)
        if kind == _MARKER:
            if not markers and source is not None and not text_since_source:
                story_source = source[1]
            markers.append(marker)
        elif kind == _SOURCE:
            source = (node, name, len(markers))
            text_since_source = False
        elif kind == _END and text_seen:
            return (*_story_end(markers, node, source, story_source), release_ends)
        elif kind == _RELEASE_END and text_seen:
            release_ends.setdefault(markers[-1] if markers else body_start, node)
        elif kind is None and _reads_as_text(node):
            text_seen = text_since_source = True
            piece = markers[-1] if markers else body_start
            if piece in release_ends and _holds_story_sentence(node):
                del release_ends[piece]  # the mark only divided the piece's sections
    return (*_story_end(markers, None, source, story_source), release_ends)


def _holds_story_sentence(node) -> bool:
    """A run of the node's own text that is a sentence giving no contact details: story
    text, where a contact card has names, titles, phone numbers and addresses."""
    runs = [node.text, *(child.tail for child in node), node.tail]
    return any(_is_story_sentence(run.strip()) for run in filter(None, runs))


def _is_story_sentence(text: str) -> bool:
    words = _WORDS.findall(text)
    return (len(words) >= profile.SENTENCE_MIN_WORDS
            and sum(word[0].islower() for word in words) >= profile.SENTENCE_MIN_LOWER_WORDS
            and bool(profile.SENTENCE_END.search(text))
            and not profile.CONTACT_DETAIL.search(text))


_MARKER, _SOURCE, _END, _RELEASE_END = "marker", "source", "end", "release end"


def _landmark(node) -> tuple[str | None, etree._Element | None, str | None]:
    """(kind, marker element, source name) of a node that is a landmark: a report
    marker (its text taken out when it is a bare line or opens a block), a source line
    (not a photo caption's credit), an end line or a press release's end mark; (None,
    None, None) otherwise."""
    if (lead := _leading_marker(node)) is not None:
        node.text = None  # the report begins after it, with the headline
        return _MARKER, lead, None
    for line, bare in _landmark_lines(node):
        if profile.RELATED_REPORT_MARKER.match(line):
            if bare:
                node.tail = None
            return _MARKER, node, None
        holder = node.getparent() if bare else node
        if (match := profile.SOURCE_LINE.match(line)) and not is_inside_figure(holder) \
                and not _credits_a_table(holder):
            return _SOURCE, None, match.group(1)
        if profile.STORY_END_LINE.match(line):
            return _END, None, None
        if profile.RELEASE_END_LINE.match(line):
            return _RELEASE_END, None, None
    return None, None, None


def _credits_a_table(block) -> bool:
    """A line right under a table of data: its credit ("Source: Lindqvist Energy
    Research"); a photo's layout table credits nothing."""
    previous = previous_block(block)
    return previous is not None and previous.tag == "table" and not IMAGES(previous)


def _reads_as_text(node) -> bool:
    """Words of the node's own, not a link's (a toolbar's "Share") nor a time of
    publication."""
    if profile.TIMESTAMP_LINE.match(short_line(node) or ""):
        return False
    own = "" if node.tag == "a" or not isinstance(node.tag, str) else node.text or ""
    return bool(_WORD.search(own) or _WORD.search(node.tail or ""))


def _story_end(markers: list, end, source, story_source: str | None):
    """(markers, end, source name). A source line right before the first report marker
    is the story's, and the reports keep theirs; else the last source line ends the
    story, and the reports after it go with it."""
    if story_source is not None:
        return markers, end, story_source
    if source is None:
        return markers, end, None
    node, name, markers_before = source
    return markers[:markers_before], node, name


def _landmark_lines(node):
    """(line, bare) candidates of a node: its own short line, then its bare tail line."""
    if node.tag in profile.LANDMARK_TAGS and (line := short_line(node)) is not None:
        yield line, False
    if (line := _bare_line(node)) is not None:
        yield line, True


def _leading_marker(node):
    """The line break after a related-report marker that opens a block, the report's
    headline after it: "<p>Earlier Related Report<br><b>Headline</b>"."""
    children = [child for child in node if isinstance(child.tag, str)]
    if (node.tag in profile.LANDMARK_TAGS and children and children[0].tag in BREAKS
            and profile.RELATED_REPORT_MARKER.match(node.text or "")):
        return children[0]
    return None


def _bare_line(node) -> str | None:
    """The tail of a leaf element as one short line, if it is one."""
    if len(node) or not (node.tail or "").strip():
        return None
    line = SPACES.sub(" ", node.tail).strip()
    return line if len(line) <= profile.LANDMARK_MAX_CHARS else None


def _clean(fragment: etree._Element) -> tuple[etree._Element, list[Photo]]:
    """Drop ads and their labels, scripts, forms, promotion and sharing boxes, link
    blocks, photos and their captions from a story fragment; return it and its photos."""
    story_chars = len(line_text(fragment))
    for block in [b for b in fragment.iterdescendants(*profile.PROMO_BLOCK_TAGS)
                  if _is_promo_block(b, story_chars)]:
        drop(block)  # before the boilerplate: a promotion box's form marks it
    for block in [b for b in fragment.iterdescendants(*profile.SHARE_BLOCK_TAGS)
                  if _is_share_block(b)]:
        drop(block)
    for element in _BOILERPLATE(fragment):
        drop(element)
    for player in [_media_player(media, fragment) for media in _MEDIA(fragment)]:
        if player.getparent() is not None:
            drop(player)
    for quote in fragment.iter("blockquote"):
        _drop_post_signature(quote)
    for block in [b for b in fragment.iterdescendants(*profile.LINK_BLOCK_TAGS)
                  if _is_link_block(b)]:
        heading = _heading_before(block)
        if heading is not None:
            drop(heading)
        drop(block)
    for line in [b for b in fragment.iterdescendants(*profile.LINK_LINE_TAGS)
                 if _is_link_line(b)]:
        drop(line)
    photos = []
    for image in IMAGES(fragment):
        if is_icon(image) and link_of(image) is None:
            drop(image)  # a spacer or bullet in a paragraph takes nothing with it
        elif inside(image, fragment):  # not in a figure dropped already
            parts, figure_photos = figure_and_photos(image, fragment)
            before = " ".join(_TEXT_BEFORE(parts[0]))
            photos += [replace(photo, after=before) for photo in figure_photos]
            for part in parts:
                drop(part)
    for label in [e for e in fragment.iterdescendants(*profile.LANDMARK_TAGS)
                  if _is_furniture_line(short_line(e) or "")]:
        drop(label)
    return fragment, photos


def _media_player(media, fragment):
    """An `<audio>` or `<video>` with the block around it that holds only its label
    ("Listen to this article · 5:47"): the largest such block inside the fragment."""
    player = media
    for ancestor in media.iterancestors():
        if ancestor is fragment or len(line_text(ancestor)) > profile.PLAYER_LABEL_MAX_CHARS:
            break
        player = ancestor
    return player


def _drop_post_signature(quote) -> None:
    """An embedded post's "— Name (@handle) <a>date</a>" line, in an element of its own
    or after the post's text (the handle maybe a link), and its "[image or embed]"
    placeholder links."""
    for element in list(quote.iterdescendants()):
        if element.getparent() is None:
            continue
        line = line_text(element)
        if profile.POST_SIGNATURE.match(line) or (
                element.tag == "a" and _EMBED_PLACEHOLDER.match(line)):
            drop(element)
        elif profile.POST_SIGNATURE.match(_text_from_tail(element)):
            element.tail = None
            for following in list(element.itersiblings()):
                following.tail = None
                drop(following)


def _text_from_tail(element) -> str:
    """The text after ``element`` to the end of its parent, as one line."""
    pieces = [element.tail or ""]
    for following in element.itersiblings():
        pieces += [line_text(following), following.tail or ""]
    return SPACES.sub(" ", "".join(pieces)).strip()


def _is_promo_block(block, story_chars: int) -> bool:
    """An appeal, offer or teaser box: short (a small part of the story, if it holds
    paragraphs), not an editors' note, and a form, a teaser's image, an icon or a row of
    linked icons (and no photo), or only links to the site's own pages that are not
    stories or to payment services."""
    if block.getparent() is None:
        return False
    line = line_text(block)
    if len(line) > profile.PROMO_BLOCK_MAX_CHARS or profile.NOTE_LABEL.match(line):
        return False  # a correction in a box is the editors' word on the story
    if _PARAGRAPHS(block) and len(line) > profile.PROMO_BLOCK_MAX_SHARE * story_chars:
        return False
    images = IMAGES(block)
    if _FORMS(block) or any(map(is_teaser, images)):
        return True
    if (images and all(map(is_icon, images)) and not _fills_a_cell(block)
            and (len(images) == 1 or all(link_of(image) is not None for image in images))):
        return True  # an icon, or a row of linked icons (follow us), and no photo
    hrefs = [link.get("href") or "" for link in LINKS(block)]
    targets = [split_address(href) for href in hrefs if not opens_image(href)]  # not "Enlarge"
    return bool(targets) and all(_is_service_page(target) or _is_payment(target)
                                 for target in targets)


def _is_payment(target) -> bool:
    """A link to a payment service (an appeal's "Chip in via PayPal")."""
    return profile.registered_domain(target.hostname or "") in profile.PAYMENT_HOSTS


def _fills_a_cell(block) -> bool:
    """All there is in a cell of a table row of several: a value, maybe with an icon
    (a flag beside a country's name), not a box in the page's story column."""
    cell = block if block.tag in ("td", "th") else next(block.iterancestors("td", "th"), None)
    row = cell.getparent() if cell is not None else None
    return row is not None and len(CELLS(row)) > 1 and line_text(cell) == line_text(block)


def _is_service_page(target) -> bool:
    """A link to one of the network's own pages that is not a story (or a relative one)."""
    if target.scheme not in ("", "http", "https"):
        return False
    return profile.is_network_link(target) and not profile.is_article_path(target.path or "/")


def _is_furniture_line(line: str) -> bool:
    """An ad slot's label, a photo credit or a hint that a photo opens larger, a time of
    publication, a sharing label, an end mark or a divider between sections: lines about
    something else than the story, or no words at all."""
    return bool(profile.AD_LABEL.match(line) or goes_with_caption(line)
                or profile.TIMESTAMP_LINE.match(line) or profile.SHARE_LABEL.match(line)
                or profile.RELEASE_END_LINE.match(line)
                or (line.strip() and not _WORD.search(line)))  # a divider: "* * *"


def _in_introduced_list(item) -> bool:
    """A list the story introduces, or an item of one (see
    :func:`_introduced_list_of_documents`)."""
    listing = item if item.tag in ("ul", "ol") else next(item.iterancestors("ul", "ol"), None)
    return listing is not None and _introduced_list_of_documents(listing)


def _introduced_list_of_documents(block) -> bool:
    previous = previous_block(block)
    line = line_text(previous) if previous is not None else ""
    return (line.endswith(":") and len(line.split()) >= profile.LIST_INTRO_MIN_WORDS
            and not any(profile.is_network_link(split_address(link.get("href") or ""))
                        for link in LINKS(block)))


def _heading_before(block):
    """The short line right before a link block that heads it ("Related Stories")."""
    previous = block.getprevious()
    if (previous is None or not isinstance(previous.tag, str) or (previous.tail or "").strip()
            or LINKS(previous)):
        return None
    line = short_line(previous, profile.LINK_BLOCK_HEADING_MAX_CHARS)
    return previous if line and line[-1] not in ".!?" else None


def _is_link_line(block) -> bool:
    """A short line of navigation links (see ``profile.LINK_LINE_SEPARATORS``), not a
    list the story introduces nor an item of one."""
    if (block.getparent() is None or len(line_text(block)) > profile.LANDMARK_MAX_CHARS
            or _in_introduced_list(block)):
        return False
    links = LINKS(block)
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
    following = next_block(block)
    while following is not None and is_figure(following):
        following = next_block(following)
    after = (block.tail or "").strip() or (line_text(following) if following is not None else "")
    return parse_dateline(after) is not None or match_inline_dateline(after) is not None


def _is_share_block(block) -> bool:
    """A sharing box: short, no paragraphs, and mostly (at least two) share links."""
    if block.getparent() is None or _PARAGRAPHS(block):
        return False
    if len(line_text(block)) > profile.PROMO_BLOCK_MAX_CHARS:
        return False
    targets = [split_address(href) for href in _HREFS(block)]
    shares = sum(1 for target in targets if _is_share_link(target))
    return shares >= profile.SHARE_BLOCK_MIN_LINKS and 2 * shares >= len(targets)


def _is_share_link(target) -> bool:
    """A link to another site that passes it the address of a network page."""
    if not target.netloc or profile.is_network_host(target.hostname or ""):
        return False
    return any(profile.is_network_host(split_address(value.strip()).hostname or "")
               for _, value in parse_qsl(target.query))


def _is_link_block(block) -> bool:
    """A headline or newsletter box: several links that make up most of its text. A
    list the story introduces ("The reports released on Wednesday are:"), of links off
    the network (the documents it names), is the story's."""
    links = LINKS(block)
    if len(links) < profile.LINK_BLOCK_MIN_LINKS or _introduced_list_of_documents(block):
        return False
    linked = sum(len(line_text(link)) for link in links)
    return linked >= profile.LINK_BLOCK_SHARE * len(line_text(block))
