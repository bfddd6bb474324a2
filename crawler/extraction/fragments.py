"""Cut a range of an lxml tree out as its own small tree.

The network's table layout has no element that holds the story and nothing else: the
story is the run of content between two landmarks (the dateline and the source line,
say) somewhere inside a table cell. :func:`cut_between` copies exactly that run, with
the ancestors it needs, so it can be cleaned and handed to trafilatura on its own.
"""

from __future__ import annotations

from copy import deepcopy

from lxml import etree


def cut_between(start: etree._Element | None, end: etree._Element | None,
                root: etree._Element) -> etree._Element:
    """A copy of the content strictly after ``start`` and strictly before ``end``.

    ``None`` for ``start`` (``end``) means from the beginning (to the end) of ``root``.
    Text that follows ``start`` in its parent (its tail) is kept; ``end``'s is not.
    """
    container = _common_ancestor(start, end, root)
    copy = deepcopy(container)
    copy.tail = None
    start_copy = _follow(copy, _path(container, start)) if start is not None else None
    end_copy = _follow(copy, _path(container, end)) if end is not None else None
    if end_copy is not None:
        _trim_after(end_copy, copy)
    if start_copy is not None:
        _trim_before(start_copy, copy)
    return copy


def _common_ancestor(start, end, root) -> etree._Element:
    if start is None or end is None:
        return root
    start_chain = set(_ancestors(start))
    return next((node for node in _ancestors(end) if node in start_chain), root)


def _ancestors(node) -> list[etree._Element]:
    chain = []
    parent = node.getparent()
    while parent is not None:
        chain.append(parent)
        parent = parent.getparent()
    return chain


def _path(container, node) -> list[int]:
    path = []
    while node is not container:
        parent = node.getparent()
        path.append(parent.index(node))
        node = parent
    return path[::-1]


def _follow(node, path: list[int]) -> etree._Element:
    for index in path:
        node = node[index]
    return node


def _trim_before(start, top) -> None:
    """Remove everything before ``start`` (and ``start`` itself, keeping its tail)."""
    node = start
    while node is not top:
        parent = node.getparent()
        for sibling in list(node.itersiblings(preceding=True)):
            parent.remove(sibling)
        parent.text = None
        node = parent
    parent = start.getparent()
    tail = start.tail
    parent.remove(start)
    parent.text = tail


def _trim_after(end, top) -> None:
    """Remove ``end`` and everything after it."""
    node = end
    while node is not top:
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node.tail = None
        node = parent
    end.getparent().remove(end)
