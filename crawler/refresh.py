"""When an archived story is due to be fetched again (with a conditional request).

News stories are edited, mostly in their first days. By default (``REFRESH_AFTER_DAYS``
negative) a story is due once its wait has passed since its last fetch, the wait being
HTTP's heuristic freshness (RFC 9111, 4.2.2): a tenth of how long its content had gone
unchanged when last fetched, counted from its ``Last-Modified`` or, without one, from
the record that first held its current content. The wait is kept between
``REFRESH_MIN_DAYS`` (1) and ``REFRESH_MAX_DAYS`` (180), then stretched by up to half
by a hash of the URL, so stories archived together do not all fall due on the same
night. So a story edited yesterday is checked every night, one unchanged for a year
every few weeks, and an old story backfilled with an old ``Last-Modified`` rarely;
every check of an unchanged story costs a ``304``. An edit resets the wait.

``REFRESH_AFTER_DAYS`` >= 0 fixes the wait for stories and requisites alike (``0``: every
run); ``inf`` never fetches an archived story again. Requisites (images) are otherwise
never fetched again: their URLs change when they do.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from archive.state import UrlState

#: RFC 9111's typical heuristic: a tenth of the time since the last modification.
FRESHNESS_FRACTION = 0.1
#: The wait is stretched by up to this fraction, by a hash of the URL.
SPREAD = 0.5


@dataclass(frozen=True)
class RefreshPolicy:
    """``fixed``: the wait for every archived URL (None: adaptive, for stories only);
    ``never``: no archived URL is fetched again."""

    fixed: timedelta | None = None
    never: bool = False
    min_wait: timedelta = timedelta(days=1)
    max_wait: timedelta = timedelta(days=180)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RefreshPolicy:
        days = settings.getfloat("REFRESH_AFTER_DAYS", -1)
        if math.isinf(days):
            return cls(never=True)
        return cls(
            fixed=timedelta(days=days) if days >= 0 else None,
            min_wait=timedelta(days=settings.getfloat("REFRESH_MIN_DAYS", 1)),
            max_wait=timedelta(days=settings.getfloat("REFRESH_MAX_DAYS", 180)),
        )

    def is_due(self, state: UrlState, kind: str, now: datetime) -> bool:
        """True when the archived ``state`` of a URL of ``kind`` should be fetched again."""
        if self.never:
            return False
        if self.fixed is not None:
            return now - state.fetched_at >= self.fixed
        return kind == "story" and now - state.fetched_at >= self.wait(state)

    def wait(self, state: UrlState) -> timedelta:
        """The adaptive wait after the last fetch of a story (see the module docstring)."""
        unchanged_since = _last_modified(state) or state.record_date or state.fetched_at
        unchanged_for = max(state.fetched_at - unchanged_since, timedelta(0))
        wait = min(max(unchanged_for * FRESHNESS_FRACTION, self.min_wait), self.max_wait)
        return wait * (1 + SPREAD * _spread(state.url))


def _last_modified(state: UrlState) -> datetime | None:
    if not state.last_modified:
        return None
    try:
        moment = parsedate_to_datetime(state.last_modified)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def _spread(url: str) -> float:
    """A number in [0, 1) that depends only on ``url``."""
    return int.from_bytes(hashlib.sha1(url.encode("utf-8")).digest()[:4], "big") / 2**32
