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

from collections import deque
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

    A request counts as out from the moment Scrapy schedules it (:meth:`scheduled`)
    until it ends (:meth:`ended`). Between being given out and being scheduled it counts
    as *released*. A spider middleware may drop it there without a word (no callback, no
    signal): when the spider's callback resumes after yielding it, Scrapy has processed
    it (one output at a time, ``CONCURRENT_ITEMS = 1``), so :meth:`yielded` frees the
    place of one that was not scheduled.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self.out = 0
        self.released = 0
        self._queues: dict[int, deque[FrontierEntry]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, priority: int, entry: FrontierEntry) -> None:
        self._queues.setdefault(priority, deque()).append(entry)
        self._size += 1

    def pop(self) -> FrontierEntry | None:
        """The next entry to request, or None when the frontier is empty or the window
        is full. The caller makes its request and marks it with :meth:`mark_released`."""
        if not self._size or (self.window and self.out + self.released >= self.window):
            return None
        queue = self._queues[max(p for p, q in self._queues.items() if q)]
        self._size -= 1
        return queue.popleft()

    def mark_released(self, meta: dict) -> None:
        """Count a request as given out; its ``meta`` carries the mark."""
        meta[OUT_KEY] = _RELEASED
        self.released += 1

    def yielded(self, meta: dict) -> None:
        """Scrapy has processed a request the spider yielded: if it was not scheduled,
        a spider middleware dropped it, and its place is free."""
        if meta.get(OUT_KEY) == _RELEASED:
            del meta[OUT_KEY]
            self.released = max(self.released - 1, 0)

    def scheduled(self, meta: dict) -> None:
        """Scrapy scheduled a request: if this frontier gave it out, it is now out (a retry
        or a redirect of it, scheduled again, is not counted twice)."""
        if meta.get(OUT_KEY) == _RELEASED:
            meta[OUT_KEY] = _OUT
            self.released = max(self.released - 1, 0)
            self.out += 1

    def ended(self, meta: dict) -> None:
        """A request ended (callback, errback, or dropped by the scheduler); if it was
        out, its place is free."""
        if meta.pop(OUT_KEY, None) == _OUT:
            self.out = max(self.out - 1, 0)

    def reset_out(self) -> None:
        """Nothing is in flight (the engine is idle): whatever is still counted out ended
        without a word, so the whole window is free."""
        self.out = 0
        self.released = 0


_RELEASED = "released"
_OUT = "out"
