"""The crawl state of an archive directory: what was fetched, and what is durably recorded.

Kept on disk (SQLite in WAL mode, ``DIR/state.sqlite3``) so a crawl's memory does not grow
with the archive. Two tables:

- ``urls``: per URL, when it was last fetched, its status, ETag and Last-Modified (for
  conditional requests), and the record holding its payload: digest, WARC file, offset,
  length, record id, date and target URI (what a revisit record refers to).
- ``stories``: per story id, the JSONL line that durably records it: the version number,
  the digest of its text (a changed story is a new version), the URL, record id, WARC
  file and offset of the capture it came from, every URL the line lists (the story's
  copies), and the run whose JSONL holds it.

A third, ``files``, names the WARC and JSONL files whose every record and line the store
knows (a run that ended without a write error marks its files). A fourth, ``followed``,
names the WARC files whose pages had every link followed: a run that ended with nothing
left to request marks its own files, and those whose links it read again (the files of a
run that stopped early, whose pages the next run does not fetch again).

The tables are only ever written after the thing they describe is on disk (the WARC
record flushed, the JSONL line written), so the store never claims more than the files
hold; a crash or a full disk can only leave it knowing less, which
:func:`crawler.state.recover` makes good from the files not marked in ``files`` (all of
them, if the store was deleted: it can always be rebuilt from the archive).

:class:`StateStore` is the interface the crawler uses; :class:`SqliteStateStore` the
single-machine implementation (a shared one, e.g. on Redis, implements the same methods).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class UrlState:
    """The last fetch of a URL and the record that holds its payload."""

    url: str
    fetched_at: datetime
    status: int
    etag: str | None = None
    last_modified: str | None = None
    payload_digest: str | None = None
    filename: str | None = None
    offset: int | None = None
    length: int | None = None
    record_id: str | None = None
    record_date: datetime | None = None
    target_uri: str | None = None

    @property
    def has_record(self) -> bool:
        return self.record_id is not None and self.filename is not None


@dataclass(frozen=True)
class StoryState:
    """The newest JSONL line of a story."""

    story_id: str
    version: int
    text_digest: str
    url: str
    record_id: str
    filename: str
    offset: int
    fetched_at: str
    run_id: str
    previous: str | None = None  # JSON of the line's "previous" pointer, if any
    urls: str | None = None  # JSON list of the line's "urls" (None in older stores: [url])
    change: str | None = None  # the line's "change" (None in older stores)

    @property
    def known_urls(self) -> list[str]:
        """Every URL the story's newest line lists (its copies on sister sites)."""
        return json.loads(self.urls) if self.urls else [self.url]

    def lists(self, url: str) -> bool:
        """True when the story's newest line lists ``url``; always, for a line recorded
        before the store kept URLs (what it listed is unknown: taken as complete)."""
        return self.urls is None or url in self.known_urls


class StateStore(Protocol):
    """What the crawler needs from a state store (single machine or shared)."""

    def url_state(self, url: str) -> UrlState | None: ...

    def save_url(self, state: UrlState) -> None: ...

    def story(self, story_id: str) -> StoryState | None: ...

    def save_story(self, state: StoryState) -> None: ...

    def forget_records(self, filename: str, from_offset: int = 0) -> int: ...

    def is_learned(self, name: str) -> bool: ...

    def mark_learned(self, name: str) -> None: ...

    def is_followed(self, name: str) -> bool: ...

    def mark_followed(self, name: str) -> None: ...

    def close(self) -> None: ...


_URL_COLUMNS = tuple(f.name for f in fields(UrlState))
_STORY_COLUMNS = tuple(f.name for f in fields(StoryState))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY, fetched_at TEXT NOT NULL, status INTEGER NOT NULL,
    etag TEXT, last_modified TEXT, payload_digest TEXT, filename TEXT,
    offset INTEGER, length INTEGER, record_id TEXT, record_date TEXT, target_uri TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS urls_by_file ON urls (filename, offset);
CREATE TABLE IF NOT EXISTS stories (
    story_id TEXT PRIMARY KEY, version INTEGER NOT NULL, text_digest TEXT NOT NULL,
    url TEXT NOT NULL, record_id TEXT NOT NULL, filename TEXT NOT NULL,
    offset INTEGER NOT NULL, fetched_at TEXT NOT NULL, run_id TEXT NOT NULL, previous TEXT,
    urls TEXT, change TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS followed (name TEXT PRIMARY KEY) WITHOUT ROWID;
"""
#: A store made before ``followed`` existed cannot tell which runs ended early: every WARC
#: file it learned counts as followed (rather than every page of the archive read again).
_FOLLOWED_FROM_LEARNED = "INSERT INTO followed (name) SELECT name FROM files"
#: Columns of ``stories`` that older stores lack (read as None: a line listing its ``url``
#: only; a change not recorded).
_ADDED_STORY_COLUMNS = ("urls", "change")


class SqliteStateStore:
    """:class:`StateStore` in one SQLite file (WAL mode; one writer: the crawl holds the
    archive directory's lock).

    By default every change is committed at once: a killed process loses nothing it was
    told. With ``commit_interval`` (seconds) changes are grouped into one transaction
    until that much time has passed since it began (or :meth:`commit`, or
    :meth:`close`): a kill then loses at most the last interval's changes, which is
    right for a caller that can learn them again from the files (the crawl's recovery
    does) and saves a commit per change.
    """

    def __init__(self, path: str | Path, commit_interval: float = 0.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.commit_interval = commit_interval
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        had_files = self._has_table("files")
        had_followed = self._has_table("followed")
        self._db.executescript(_SCHEMA)
        if had_files and not had_followed:
            self._db.execute(_FOLLOWED_FROM_LEARNED)
        for column in set(_ADDED_STORY_COLUMNS) - self._columns("stories"):
            self._db.execute(f"ALTER TABLE stories ADD COLUMN {column} TEXT")
        self._began = 0.0

    def url_state(self, url: str) -> UrlState | None:
        row = self._db.execute(
            f"SELECT {', '.join(_URL_COLUMNS)} FROM urls WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        values = dict(zip(_URL_COLUMNS, row, strict=True))
        values["fetched_at"] = datetime.fromisoformat(values["fetched_at"])
        if values["record_date"]:
            values["record_date"] = datetime.fromisoformat(values["record_date"])
        return UrlState(**values)

    def save_url(self, state: UrlState) -> None:
        values = (getattr(state, column) for column in _URL_COLUMNS)
        self._upsert("urls", _URL_COLUMNS,
                     [v.isoformat() if isinstance(v, datetime) else v for v in values])

    def story(self, story_id: str) -> StoryState | None:
        row = self._db.execute(
            f"SELECT {', '.join(_STORY_COLUMNS)} FROM stories WHERE story_id = ?", (story_id,)
        ).fetchone()
        return StoryState(*row) if row else None

    def save_story(self, state: StoryState) -> None:
        self._upsert("stories", _STORY_COLUMNS, [getattr(state, c) for c in _STORY_COLUMNS])

    def forget_records(self, filename: str, from_offset: int = 0) -> int:
        """Drop the record pointers into ``filename`` at or after ``from_offset`` (records
        a mend cut off, or a file deleted): those URLs count as never fetched."""
        cursor = self._change(
            "DELETE FROM urls WHERE filename = ? AND offset >= ?", (filename, from_offset)
        )
        return cursor.rowcount

    def is_learned(self, name: str) -> bool:
        """True when every record (or line) of the WARC (or JSONL) file ``name`` is known."""
        row = self._db.execute("SELECT 1 FROM files WHERE name = ?", (name,)).fetchone()
        return row is not None

    def mark_learned(self, name: str) -> None:
        self._change("INSERT OR IGNORE INTO files (name) VALUES (?)", (name,))

    def is_followed(self, name: str) -> bool:
        """True when every link on the pages of the WARC file ``name`` was followed."""
        row = self._db.execute("SELECT 1 FROM followed WHERE name = ?", (name,)).fetchone()
        return row is not None

    def mark_followed(self, name: str) -> None:
        self._change("INSERT OR IGNORE INTO followed (name) VALUES (?)", (name,))

    def commit(self) -> None:
        """Make every change so far durable."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def close(self) -> None:
        self.commit()
        self._db.close()

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}

    def _has_table(self, name: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def _upsert(self, table: str, columns: tuple[str, ...], values: list) -> None:
        placeholders = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self._change(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
            f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}",
            values,
        )

    def _change(self, sql: str, parameters) -> sqlite3.Cursor:
        """Run a writing statement in the open transaction (begun if need be), and
        commit once the transaction is ``commit_interval`` seconds old."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
            self._began = time.monotonic()
        cursor = self._db.execute(sql, parameters)
        if time.monotonic() - self._began >= self.commit_interval:
            self.commit()
        return cursor
