"""The state store, the directory lock and Retry-After parsing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from archive.check import damaged_offset
from archive.reader import DAMAGE_ERRORS
from archive.state import SqliteStateStore, StoryState, UrlState
from archive.writer import WarcFileWriter
from crawler.middlewares import retry_after_seconds
from crawler.runs import DirectoryLocked, OutputLock
from crawler.state import _whole_pages
from tests.archive_fixtures import make_exchange
from tests.tools_fixtures import members

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def url_state(url: str = "http://www.spacewar.com/reports/A_999.html", **changes) -> UrlState:
    values = dict(
        url=url, fetched_at=NOW, status=200, etag='"abc"', last_modified="Fri, 01 May 2026",
        payload_digest="sha1:AAAA", filename="a.warc.gz", offset=1234, length=99,
        record_id="<urn:uuid:00000000-0000-0000-0000-000000000001>", record_date=NOW,
        target_uri=url,
    )
    return UrlState(**{**values, **changes})


def test_store_keeps_url_and_story_state_across_connections(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = SqliteStateStore(path)
    store.save_url(url_state())
    store.save_url(url_state(fetched_at=NOW + timedelta(days=1)))  # upsert
    story = StoryState("id1", 2, "digest", "http://x/", "<urn:uuid:1>", "a.warc.gz", 5,
                       "2026-05-01T12:00:00Z", "run-1", '{"record_id": "<urn:uuid:0>"}')
    store.save_story(story)
    store.mark_learned("a.warc.gz")
    store.close()

    again = SqliteStateStore(path)
    assert again.url_state(url_state().url) == url_state(fetched_at=NOW + timedelta(days=1))
    assert again.story("id1") == story
    assert again.is_learned("a.warc.gz") and not again.is_learned("b.warc.gz")
    assert again.url_state("http://www.spacewar.com/other.html") is None
    again.close()
    counts = sqlite3.connect(path).execute(
        "SELECT (SELECT count(*) FROM urls), (SELECT count(*) FROM stories)").fetchone()
    assert counts == (1, 1)
    journal = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"


def test_followed_files_are_kept_across_connections(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.mark_learned("a.warc.gz")
    store.mark_learned("b.warc.gz")
    store.mark_followed("a.warc.gz")
    store.close()
    again = SqliteStateStore(tmp_path / "state.sqlite3")
    assert again.is_followed("a.warc.gz") and not again.is_followed("b.warc.gz")
    again.close()


def test_a_store_made_before_followed_files_counts_its_learned_files_as_followed(tmp_path):
    """Upgrading must not make the next run read every page of the archive again."""
    path = tmp_path / "state.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE files (name TEXT PRIMARY KEY) WITHOUT ROWID")
    old.execute("INSERT INTO files VALUES ('a.warc.gz'), ('run.jsonl')")
    old.commit()
    old.close()
    store = SqliteStateStore(path)
    assert store.is_followed("a.warc.gz") and not store.is_followed("b.warc.gz")
    store.mark_learned("b.warc.gz")
    store.close()
    again = SqliteStateStore(path)  # the table exists now: nothing is copied again
    assert not again.is_followed("b.warc.gz")
    again.close()


def test_a_store_made_before_story_urls_reads_its_stories_as_listing_their_url(tmp_path):
    path = tmp_path / "state.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE stories (story_id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
        "text_digest TEXT NOT NULL, url TEXT NOT NULL, record_id TEXT NOT NULL, "
        "filename TEXT NOT NULL, offset INTEGER NOT NULL, fetched_at TEXT NOT NULL, "
        "run_id TEXT NOT NULL, previous TEXT) WITHOUT ROWID"
    )
    old.execute("INSERT INTO stories VALUES ('id1', 1, 'd', 'http://x/a.html', '<urn:uuid:1>', "
                "'a.warc.gz', 5, '2026-05-01T12:00:00Z', 'run-1', NULL)")
    old.commit()
    old.close()
    store = SqliteStateStore(path)
    story = store.story("id1")
    assert story.urls is None and story.known_urls == ["http://x/a.html"]
    copies = '["http://x/a.html", "http://y/a.html"]'
    store.save_story(replace(story, urls=copies))
    store.close()
    again = SqliteStateStore(path)
    assert again.story("id1").known_urls == ["http://x/a.html", "http://y/a.html"]
    again.close()


def test_grouped_commits_reach_other_readers_only_when_committed(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = SqliteStateStore(path, commit_interval=3600)
    store.save_url(url_state())
    assert store.url_state(url_state().url) is not None  # the writer sees its own change
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM urls").fetchone()[0] == 0  # a kill loses it
    store.commit()
    assert reader.execute("SELECT count(*) FROM urls").fetchone()[0] == 1
    store.mark_learned("a.warc.gz")
    store.close()  # commits what is pending
    assert reader.execute("SELECT count(*) FROM files").fetchone()[0] == 1
    reader.close()


def test_each_change_is_committed_at_once_by_default(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = SqliteStateStore(path)
    store.save_url(url_state())
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM urls").fetchone()[0] == 1
    reader.close()
    store.close()


def test_forget_records_drops_only_pointers_at_or_after_the_cut(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.save_url(url_state("http://a/", offset=100))
    store.save_url(url_state("http://b/", offset=5000))
    store.save_url(url_state("http://c/", offset=9000, filename="other.warc.gz"))
    assert store.forget_records("a.warc.gz", 4000) == 1
    assert store.url_state("http://a/") is not None
    assert store.url_state("http://b/") is None
    assert store.url_state("http://c/") is not None


def _acquire_in_another_process(path) -> subprocess.CompletedProcess:
    code = ("from pathlib import Path; from crawler.runs import OutputLock; "
            f"OutputLock(Path({str(path)!r})).acquire()")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)


def test_the_lock_is_exclusive_between_processes_and_released(tmp_path):
    path = tmp_path / "out" / ".lock"
    with OutputLock(path):
        other = _acquire_in_another_process(path)
        assert other.returncode != 0
        assert DirectoryLocked.__name__ in other.stderr
        assert f"in use by another crawl (pid {os.getpid()})" in other.stderr
        OutputLock(path).acquire()  # the holder itself: no effect, no error
    assert _acquire_in_another_process(path).returncode == 0  # released on exit


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after_seconds(b"7") == 7.0
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= retry_after_seconds(in_a_minute.encode()) <= 60
    past = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    assert retry_after_seconds(past.encode()) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_a_damaged_member_is_found_whatever_warcio_makes_of_it(tmp_path):
    """Garbage inside a gzip member: warcio may raise, or write the zlib error to stderr
    and read past it (seen in a real run), so the files of a stopped run, read again
    for their links, are also checked member by member: the damage is always reported
    (and the file read again next time), where `news-archive check` reports it."""
    with WarcFileWriter(tmp_path) as writer:
        for number in range(3):
            writer.write_exchange(make_exchange(f"/{number}.html", seconds=number))
    path = tmp_path / writer.closed_files[0]
    offset, member = members(path)[3]  # the second response
    data = bytearray(path.read_bytes())
    data[offset + len(member) // 2:offset + len(member) // 2 + 16] = bytes(16)
    path.write_bytes(bytes(data))
    assert damaged_offset(path) == offset
    with pytest.raises((*DAMAGE_ERRORS, ValueError)):
        list(_whole_pages(path))
