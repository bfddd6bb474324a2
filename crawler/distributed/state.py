"""The crawl state store in Redis, shared by every worker of a distributed crawl.

:class:`RedisStateStore` implements :class:`archive.state.StateStore` (the interface
of the single-machine :class:`archive.state.SqliteStateStore`) on four kinds of Redis
keys under ``<prefix>:state``:

- ``urls`` (hash): URL -> its :class:`~archive.state.UrlState` as JSON;
- ``records:<WARC file name>`` (sorted set): URL scored by the offset of its record in
  that file, so :meth:`forget_records` finds what a mend cut off without a scan;
- ``stories`` (hash): story id -> its :class:`~archive.state.StoryState` as JSON;
- ``learned-files`` (set): WARC and JSONL file names whose contents the store knows.

So a story any worker recorded, in any run, counts as recorded for all of them; a URL
any of them archived is fetched conditionally by the next. WARC file names carry the
worker id, so the record pointers of different workers never collide.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import datetime

from archive.state import StoryState, UrlState

_DATE_FIELDS = frozenset({"fetched_at", "record_date"})
_URL_FIELDS = frozenset(f.name for f in fields(UrlState))


class RedisStateStore:
    """:class:`archive.state.StateStore` in Redis (see the module docstring)."""

    def __init__(self, server, prefix: str = "news-archive") -> None:
        self.server = server
        self.prefix = f"{prefix}:state"
        self.urls_key = f"{self.prefix}:urls"
        self.stories_key = f"{self.prefix}:stories"
        self.learned_key = f"{self.prefix}:learned-files"

    @classmethod
    def from_url(cls, url: str, prefix: str = "news-archive") -> RedisStateStore:
        import redis

        return cls(redis.Redis.from_url(url), prefix)

    def _records_key(self, filename: str) -> str:
        return f"{self.prefix}:records:{filename}"

    def url_state(self, url: str) -> UrlState | None:
        raw = self.server.hget(self.urls_key, url)
        if raw is None:
            return None
        values = json.loads(raw)
        for name in _DATE_FIELDS:
            if values.get(name):
                values[name] = datetime.fromisoformat(values[name])
        return UrlState(**{k: v for k, v in values.items() if k in _URL_FIELDS})

    def save_url(self, state: UrlState) -> None:
        values = {
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(state).items()
        }
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(self.urls_key, state.url, json.dumps(values))
        if state.filename is not None and state.offset is not None:
            pipe.zadd(self._records_key(state.filename), {state.url: state.offset})
        pipe.execute()

    def story(self, story_id: str) -> StoryState | None:
        raw = self.server.hget(self.stories_key, story_id)
        return StoryState(**json.loads(raw)) if raw is not None else None

    def save_story(self, state: StoryState) -> None:
        self.server.hset(self.stories_key, state.story_id, json.dumps(asdict(state)))

    def forget_records(self, filename: str, from_offset: int = 0) -> int:
        """Drop the URLs whose record is in ``filename`` at or after ``from_offset``."""
        key = self._records_key(filename)
        forgotten = 0
        for raw_url in self.server.zrangebyscore(key, from_offset, "+inf"):
            url = raw_url.decode("utf-8")
            state = self.url_state(url)
            if state is not None and state.filename == filename and (
                state.offset is not None and state.offset >= from_offset
            ):
                self.server.hdel(self.urls_key, url)
                forgotten += 1
        self.server.zremrangebyscore(key, from_offset, "+inf")
        return forgotten

    def is_learned(self, name: str) -> bool:
        """True when every record (or line) of the WARC (or JSONL) file ``name`` is known."""
        return bool(self.server.sismember(self.learned_key, name))

    def mark_learned(self, name: str) -> None:
        self.server.sadd(self.learned_key, name)

    def is_followed(self, name: str) -> bool:
        """Always true: a worker keeps no frontier of its own (``FRONTIER_WINDOW`` is 0),
        and a page's lease is released only once its callback's requests are in the
        shared queue (a killed worker's pages are fetched again), so no page ever needs
        its links read again."""
        return True

    def mark_followed(self, name: str) -> None:
        """Nothing to mark (see :meth:`is_followed`)."""

    def close(self) -> None:
        self.server.close()


def store_from_settings(settings) -> RedisStateStore:
    """The factory ``--redis`` names in ``ARCHIVE_STATE_STORE``: the store at
    ``REDIS_URL`` under ``DISTRIBUTED_KEY_PREFIX``."""
    return RedisStateStore.from_url(
        settings.get("REDIS_URL"), settings.get("DISTRIBUTED_KEY_PREFIX", "news-archive")
    )
