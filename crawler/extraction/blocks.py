"""Helpers over the lxml tree of a page that know no story: an element's text as one
line, the blocks right before and after an element, the XPaths the extraction shares
(images, links, table cells), and addresses read off the page."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urljoin, urlsplit

from lxml import etree

from crawler.sites import spacedaily as profile

IMAGES = etree.XPath(" | ".join(f".//{tag}" for tag in profile.IMAGE_TAGS))
LINKS = etree.XPath(".//a[normalize-space()]")
CELLS = etree.XPath("./td | ./th")
SPACES = re.compile(r"\s+")
BREAKS = frozenset({"br", "hr", "wbr"})
_NO_ADDRESS = urlsplit("")


def split_address(address: str) -> SplitResult:
    """The parts of a link's or an image's address as the page gives it; none for one
    Python cannot split (a stray "[" in its host, from a damaged page)."""
    try:
        return urlsplit(address)
    except ValueError:
        return _NO_ADDRESS


def join_address(base: str, address: str) -> str:
    """``address`` made absolute against ``base``; "" when it cannot be split."""
    try:
        return urljoin(base, address)
    except ValueError:
        return ""


def line_text(element: etree._Element) -> str:
    """The element's text as one line (whitespace collapsed; a line break is a space);
    "" for a comment or a processing instruction, which show nothing."""
    if not isinstance(element.tag, str):
        return ""
    text = element.text_content() if element.find(".//br") is None else spaced_text(element)
    return SPACES.sub(" ", text).strip()


def spaced_text(element: etree._Element, until_break: bool = False,
                 spaced: frozenset[str] = BREAKS) -> str:
    """The element's text with a space for each line break ("Falls<br>Near") and around
    each element of ``spaced``, or only up to the first line break."""
    pieces = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        inner = node is not element
        if event == "end":
            if inner:
                pieces.append(" " if node.tag in spaced else "")
                pieces.append(node.tail or "")
        elif node.tag in BREAKS and inner and until_break:
            break
        elif isinstance(node.tag, str):
            pieces.append(" " if inner and node.tag in spaced else "")
            pieces.append(node.text or "")
    return "".join(pieces)


def short_line(element: etree._Element, limit: int = profile.LANDMARK_MAX_CHARS) -> str | None:
    """The element's line of text if it is a short landmark-like element, else None."""
    if not isinstance(element.tag, str):
        return None
    line = line_text(element)
    return line if line and len(line) <= limit else None


def holds_loose_text(block) -> bool:
    """Text directly in ``block``, not in an element of its own."""
    return bool((block.text or "").strip()) or any((child.tail or "").strip() for child in block)


def inside(node, ancestor) -> bool:
    return any(parent is ancestor for parent in node.iterancestors())


def sole_run(block):
    """The one child element holding all of ``block``'s text, if there is one."""
    children = [child for child in block if isinstance(child.tag, str)]
    if (len(children) != 1 or (block.text or "").strip()
            or (children[0].tail or "").strip()):
        return None
    return children[0]


def previous_block(element):
    """The element right before ``element``, past line breaks and comments; None if
    text comes between."""
    previous = element.getprevious()
    while (previous is not None and _passed_over(previous)
           and not (previous.tail or "").strip()):
        previous = previous.getprevious()
    if previous is None or (previous.tail or "").strip():
        return None
    return previous


def next_block(element):
    """The element right after ``element``, past line breaks and comments; None if text
    comes first."""
    if (element.tail or "").strip():
        return None
    following = element.getnext()
    while (following is not None and _passed_over(following)
           and not (following.tail or "").strip()):
        following = following.getnext()
    return following


def _passed_over(node) -> bool:
    """A line break, or a comment or processing instruction: nothing that reads."""
    return not isinstance(node.tag, str) or node.tag in BREAKS


def drop(element) -> None:
    if element.getparent() is not None:
        element.drop_tree()
