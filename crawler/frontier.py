"""URLs a spider has claimed but not yet handed to Scrapy, kept small.

A Scrapy request (with its meta, headers and parsed URL) costs a few kilobytes. A site
whose every page links to many pages not fetched yet (each story page of the network
lists dozens of other stories) would keep tens of thousands of them in Scrapy's
scheduler, and the crawl's memory would grow with the site instead of the work. The
:class:`Frontier` keeps those URLs as small tuples in priority order and gives out at
most ``window`` of them at a time: the spider makes a request only for what it is given,
and tells the frontier what became of it (see :class:`Frontier`).

Each entry keeps the page its URL was found on: the spider sends it as ``Referer``, as a
browser would (Scrapy's RefererMiddleware would name the page whose callback happened to
give the request out).

Order: highest priority first, and within one priority first found, first given out
(the order links appear on a page; the project's scheduler queue is FIFO too).

A window of 0 gives out everything at once (a shared queue, as in ``--redis`` mode,
must hold every request, so that a killed worker holds none back).
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

#: Marks a request given out by a frontier, until it ends.
OUT_KEY = "frontier_out"


class FrontierEntry(NamedTuple):
    url: str
    kind: str
    barren: int
    source: str | None = None  # the page the URL was found on (its Referer)


class Frontier:
    """Claimed URLs by priority, given out while fewer than ``window`` requests are out.

    A request is out from the moment the spider gives it out (:meth:`give_out`) until it
    ends: its callback or errback ran, or the scheduler dropped it (:meth:`ended`), or
    every copy of it is gone without ending (a middleware dropped it without a word: no
    callback, no errback, no signal). Its retries and redirects are copies: Scrapy copies
    ``meta`` shallowly, so they share its :class:`_Place` and count once.

    Counting from the give-out, not from the scheduling, matters: Scrapy reads a
    callback's output ahead of scheduling it, so a window counted at scheduling lets a
    callback give out far more than the window (the whole frontier, in the end).
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self.out = 0
        self._queues: dict[int, deque[FrontierEntry]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, priority: int, entry: FrontierEntry) -> None:
        self._queues.setdefault(priority, deque()).append(entry)
        self._size += 1

    def pop(self) -> FrontierEntry | None:
        """The next entry to request, or None when the frontier is empty or the window
        is full. The caller makes its request and marks it with :meth:`give_out`."""
        if not self._size or (self.window and self.out >= self.window):
            return None
        queue = self._queues[max(p for p, q in self._queues.items() if q)]
        self._size -= 1
        return queue.popleft()

    def give_out(self, meta: dict) -> None:
        """Count a request as out until it ends; its ``meta`` carries its place. Without a
        window nothing is counted, and ``meta`` stays serialisable (shared queues)."""
        if self.window:
            meta[OUT_KEY] = _Place(self._free)
            self.out += 1

    def ended(self, meta: dict) -> None:
        """A request ended (callback, errback, or dropped by the scheduler); if it was
        out, its place is free."""
        place = meta.pop(OUT_KEY, None)
        if place is not None:
            place.free()

    def reset_out(self) -> None:
        """Nothing is in flight (the engine is idle): whatever is still counted out ended
        without a word, so the whole window is free."""
        self.out = 0

    def _free(self) -> None:
        self.out = max(self.out - 1, 0)


class _Place:
    """A request's place in the window, freed once: by :attr:`free`, or when the last
    request holding it is garbage-collected (CPython frees it as soon as the last
    reference goes)."""

    __slots__ = ("free", "__weakref__")

    def __init__(self, on_free: Callable[[], None]) -> None:
        self.free = weakref.finalize(self, on_free)
        self.free.atexit = False
