"""A story's photos and their captions, by structure (the record's ``images``).

A figure is an image and the short text that goes with it: the smallest block around the
image whose text is short, a caption element right after it (or, set apart as one,
right above it), a credit line after those. Photos side by side in a table each take
their own caption. Spacers, icons, logos, placeholders and linked buttons, ads and
teaser thumbnails are no photos. The rules' constants live in the site profile
(:mod:`crawler.sites.spacedaily`); :mod:`crawler.extraction.story` finds the figures in
a story's head and fragments and takes them out.
"""

from __future__ import annotations

import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass

from lxml import etree

from crawler.extraction.blocks import (
    BREAKS,
    CELLS,
    IMAGES,
    LINKS,
    SPACES,
    holds_loose_text,
    inside,
    line_text,
    next_block,
    previous_block,
    short_line,
    sole_run,
    spaced_text,
    split_address,
)
from crawler.extraction.dateline import parse_dateline
from crawler.sites import spacedaily as profile

_ROWS = etree.XPath("./tr | ./*/tr")
_CAPTION_BLOCKS = BREAKS | {"div", "p", "td", "th", "tr", "figcaption", "li", "center"}
_PIXELS = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")


@dataclass(frozen=True)
class Photo:
    """A story's photo: its address as the page writes it (maybe relative) and the text
    shown with it (caption and credit), if any."""

    src: str
    caption: str | None
    after: str = ""  # the text right before it in its fragment (see article._report_after)


def is_figure(block) -> bool:
    """An image, or a block of images with a short text and no links in it."""
    if block.tag in profile.IMAGE_TAGS:
        return True
    return (bool(IMAGES(block)) and not LINKS(block)
            and len(line_text(block)) <= profile.CAPTION_MAX_CHARS)


def is_inside_figure(node) -> bool:
    """A caption: short text sharing a small block with an image, or right after one
    (spacers and icons do not count)."""
    return (any(not is_decoration(image) for block in _figure_blocks(node)
                for image in IMAGES(block))
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


def _texts_in_children(element) -> int:
    """Children with text, and text of its own; a photo credit not counted (it goes
    with the caption)."""
    lines = (line_text(child) for child in element if isinstance(child.tag, str))
    children = sum(1 for line in lines if line and not goes_with_caption(line))
    return children + holds_loose_text(element)


def goes_with_caption(line: str) -> bool:
    """A photo credit, or a hint that the photo opens larger or has a gallery."""
    return bool(profile.CREDIT_LINE.match(line) or _is_photo_hint(line))


def _is_photo_hint(line: str) -> bool:
    line = line.strip()
    return bool(line) and (profile.PHOTO_HINT.fullmatch(line) is not None
                           or profile.PHOTO_HINT_LINE.fullmatch(line) is not None)


def _follows_image(node) -> bool:
    previous = previous_block(node)
    return (previous is not None and previous.tag in profile.IMAGE_TAGS
            and not is_decoration(previous))


def is_teaser(image) -> bool:
    """An image linked to a story page: another story's teaser."""
    link = link_of(image)
    if link is None:
        return False
    target = split_address(link.get("href") or "")
    return profile.is_network_link(target) and profile.is_article_path(target.path or "/")


def figure_and_photos(image, bound, caption_above=None) -> tuple[list, list[Photo]]:
    """The blocks of the figure holding ``image`` (see :func:`_figure_parts`), and its
    photos: each with its own caption in a grid of photos side by side, else all with
    the figure's caption, which, when nothing after the figure is one, may be above it
    (``caption_above(figure)``: the block holding it, if any, in a list)."""
    if (grid := _photo_grid(image, bound)) is not None:
        return _grid_parts_and_photos(grid)
    if cells := _photo_cells(image, bound):
        return _row_parts_and_photos(cells)
    parts = _figure_parts(_figure_of(image, bound))
    if len(parts) == 1 and not line_text(parts[0]):
        parts += (caption_above or _caption_above)(parts[0])
    return parts, photos_of(parts)


def _grid_parts_and_photos(grid) -> tuple[list, list[Photo]]:
    """A grid and the credit line right after it, if any; each photo with its own
    caption and the credit."""
    credit = _credit_after(grid)
    if credit is None:
        return [grid], _grid_photos(grid, [])
    return [grid, credit], _grid_photos(grid, [_caption_text(credit)])


def _row_parts_and_photos(cells: list) -> tuple[list, list[Photo]]:
    """Photos side by side over long texts: each cell with its own text, if any, and
    the credit row under them."""
    credit = _credit_row_after(cells[0].getparent())
    parts = cells if credit is None else [*cells, credit]
    credits = [] if credit is None else [_caption_text(credit)]
    photos = [Photo(source, " ".join(filter(None, [_caption_text(cell), *credits])) or None)
              for cell in cells for source in map(_photo_source, IMAGES(cell)) if source]
    return parts, photos


def _photo_grid(image, bound):
    """The table laying ``image`` out beside other photos (a gallery strip, a pair to
    compare), each in a cell of its own, with nothing in it but short captions; None
    when ``image`` is in no such table."""
    table = next(image.iterancestors("table"), None)
    if table is None or table is bound or inside(bound, table) or LINKS(table):
        return None
    cells = [cell for row in _ROWS(table) for cell in CELLS(row)]
    if (len(line_text(table)) > profile.WRAPPED_CAPTION_MAX_CHARS
            or any(len(line_text(cell)) > profile.LANDMARK_MAX_CHARS for cell in cells)):
        return None  # a row of long texts under the photos is the story's
    rows_of_photos = Counter(cell.getparent() for cell in cells
                             if any(map(_photo_source, IMAGES(cell))))
    return table if rows_of_photos and max(rows_of_photos.values()) > 1 else None


def _grid_photos(table, credits: list[str]) -> list[Photo]:
    """The photos of a grid, each captioned by its own cell or, when that has no text,
    by the cell below it; a row of one cell and no image (a credit, a caption for all)
    and ``credits`` go with every photo."""
    rows = _ROWS(table)
    shared = [_caption_text(row) for row in rows if len(CELLS(row)) == 1 and not IMAGES(row)]
    photos = []
    for row, following in zip(rows, [*rows[1:], None], strict=True):
        below = [] if following is None or IMAGES(following) else CELLS(following)
        if len(below) == 1:
            below = []  # a row for all the photos: in ``shared``
        for column, cell in enumerate(CELLS(row)):
            own = _caption_text(cell) or (
                _caption_text(below[column]) if column < len(below) else "")
            caption = " ".join(filter(None, [own, *shared, *credits])) or None
            photos += [Photo(source, caption) for source in map(_photo_source, IMAGES(cell))
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
        if block is bound or inside(bound, block):
            break
        figure = block
    return figure


def _photo_cells(image, bound) -> list:
    """The cells of the table row holding ``image`` beside other photos, each in a cell
    of its own, when its table is no grid (long texts under them are the story's)."""
    row = next(image.iterancestors("tr"), None)
    if row is None or row is bound or inside(bound, row):
        return []
    cells = [cell for cell in CELLS(row) if any(map(_photo_source, IMAGES(cell)))]
    return cells if len(cells) > 1 else []


def _credit_row_after(row):
    """The row right after ``row``, if it is one cell holding a photo credit."""
    following = row.getnext()
    if following is None or following.tag != "tr" or len(CELLS(following)) != 1:
        return None
    return following if profile.CREDIT_LINE.match(line_text(following)) else None


def _in_running_text(image) -> bool:
    """Set inside a line of text: words right before and after it, no line break
    between (that text is no caption)."""
    node = image if image.getparent().tag != "a" else image.getparent()
    previous = node.getprevious()
    before = node.getparent().text if previous is None else previous.tail
    return (bool((node.tail or "").strip()) and bool((before or "").strip())
            and (previous is None or previous.tag not in BREAKS))


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
    credit = _credit_after(parts[-1])
    if credit is not None:
        parts.append(credit)
    return parts


def _credit_after(block):
    """The photo credit line right after ``block``, if there is one."""
    following = next_block(block)
    if following is not None and profile.CREDIT_LINE.match(short_line(following) or ""):
        return following
    return None


def photos_of(parts: list) -> list[Photo]:
    """The story photos among a figure's images, each with the figure's caption."""
    caption = _figure_caption(parts)
    figure = parts[0]
    images = [figure] if figure.tag in profile.IMAGE_TAGS else IMAGES(figure)
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
    linked = sum(len(line_text(link)) for part in parts for link in LINKS(part))
    texts = [text for text in map(_caption_text, parts) if not profile.AD_LABEL.match(text)]
    return max(0, sum(map(len, texts)) - linked)


def _caption_text(element) -> str:
    """A caption part's text, its blocks apart ("...July 2013. Image: USGS"), without a
    hint that the photo opens larger or has a gallery."""
    hints = [node for node in element.iterdescendants()
             if isinstance(node.tag, str) and _is_photo_hint(line_text(node))]
    if hints:  # taken out of a copy: the page stays as it is
        copy = deepcopy(element)
        copied_hints = [copied for original, copied in zip(element.iter(), copy.iter(),
                                                            strict=True)
                        if any(original is hint for hint in hints)]
        for copied in copied_hints:
            copied.text = None
            copied.drop_tree()
        element = copy
    text = profile.PHOTO_HINT.sub(" ", spaced_text(element, spaced=_CAPTION_BLOCKS))
    return SPACES.sub(" ", text).strip()


def _photo_source(image, caption_chars: int = 0) -> str | None:
    """The address of a story photo, given the length of its own caption; None for a
    placeholder inside another image, a logo, an image with no address but a placeholder, a
    spacer or icon, a small image without a short caption (a name), and a linked image
    (a button, an ad, a teaser's thumbnail) unless the link opens the image enlarged,
    or the image has a caption of its own and is no teaser."""
    if (next(image.iterancestors(*profile.IMAGE_TAGS), None) is not None
            or _named(image, profile.QR_CODE_NAME)
            or (is_decoration(image) and _named(image, profile.LOGO_NAME))):
        return None
    link = link_of(image)
    href = link.get("href") or "" if link is not None else ""
    if is_decoration(image) and (
            is_icon(image) or not 0 < caption_chars <= profile.NAME_CAPTION_MAX_CHARS
            or (link is not None and not _opens_file(href))):
        return None  # small: a portrait with a name, a chart opening its document
    if (link is not None and not opens_image(link.get("href") or "")
            and (not caption_chars or is_teaser(image))):
        return None
    addresses = (image.get(name, "").strip() for name in profile.IMAGE_SOURCE_ATTRIBUTES)
    address = next((address for address in addresses
                    if address and not address.startswith("data:")), None)
    if address is None or split_address(address).path.endswith("/"):
        return None  # a placeholder, or a folder: no image file named
    return address


def _named(image, pattern: re.Pattern) -> bool:
    """Whether the image's address, alternative text or class says ``pattern``."""
    return any(pattern.search(image.get(name) or "") for name in ("src", "alt", "class"))


def _opens_file(href: str) -> bool:
    """A link to an image or a document (a chart's PDF), not to a page."""
    return opens_image(href) or bool(profile.DOCUMENT_FILE.search(split_address(href).path))


def opens_image(href: str) -> bool:
    """A link to an image file, or a script opening one (the photo enlarged)."""
    return bool(profile.IMAGE_FILE.search(split_address(href).path)
                or profile.IMAGE_IN_SCRIPT.match(href))


def link_of(image):
    return next(image.iterancestors("a"), None)


def is_decoration(image) -> bool:
    """A spacer, icon or headshot: declared smaller than a photo either way, in its
    attributes or its style."""
    return _smallest_side(image) < profile.PHOTO_MIN_PIXELS


def is_icon(image) -> bool:
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
    following = next_block(figure)
    if following is None:
        return None
    if (following.tag not in profile.CAPTION_TAGS and not _styled_as_caption(following)
            and not profile.CAPTION_CLASS.search(following.get("class") or "")):
        return None
    line = short_line(following, profile.WRAPPED_CAPTION_MAX_CHARS)
    if (not is_caption_line(line) or profile.NOTE_LABEL.match(line)
            or _set_like(following, previous_block(figure))):
        return None
    return following


def _set_like(block, other) -> bool:
    """Two blocks set alike: paragraphs of the story, where every paragraph is a
    ``<span class="BT">`` or a plain ``<div>``, not a caption under a photo between
    them."""
    return other is not None and bool(line_text(other)) and _look(block) == _look(other)


def _look(block) -> tuple:
    """How a block is set: its tag and attributes, and the tag of a run holding all its
    text (``<p><i>...</i></p>`` is not set like ``<p>...</p>``)."""
    run = sole_run(block)
    return block.tag, dict(block.attrib), run.tag if run is not None else None


def _caption_above(figure) -> list:
    """A caption set above its photo in the story: the short block right before
    ``figure``, set apart from the paragraphs as a caption (see :func:`_set_as_caption`)."""
    previous = previous_block(figure)
    if previous is None or not is_caption_line(
            short_line(previous, profile.CAPTION_MAX_CHARS)):
        return []
    return [previous] if _set_as_caption(previous) else []


def _set_as_caption(block) -> bool:
    """A block whose class calls it a caption, or whose whole text is one run with a
    class of its own, one the block before it does not share (``<p><span class="PC">``
    among plain paragraphs): not italics alone, which an editor's note shares."""
    if (profile.CAPTION_CLASS.search(block.get("class") or "")
            or profile.SMALL_PRINT_STYLE.search(block.get("style") or "")):
        return True
    run = sole_run(block)
    if run is None or not run.get("class"):
        return False
    previous = previous_block(block)
    before = sole_run(previous) if previous is not None else None
    return before is None or (before.tag, before.get("class")) != (run.tag, run.get("class"))


def is_caption_line(line: str | None) -> bool:
    """Short text that is not the story's own byline or dateline."""
    return bool(line) and not profile.BYLINE.match(line) and parse_dateline(line) is None


def _styled_as_caption(element) -> bool:
    """A block whose whole text is one italic or small-print run, or which its style
    sets in small print."""
    if profile.SMALL_PRINT_STYLE.search(element.get("style") or ""):
        return True
    run = sole_run(element)
    return run is not None and run.tag in profile.CAPTION_STYLE_TAGS
