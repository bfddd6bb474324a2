"""The crawl's view of the archive's state store, and recovery after a crash.

One :class:`CrawlState` per crawl, shared by the spider (what to fetch), the capture
(full record or revisit), the conditional-request middleware and the versioned
extraction (:mod:`crawler.incremental`). It opens ``DIR/state.sqlite3``
(:class:`archive.state.SqliteStateStore`) and, before anything is crawled, makes the
store agree with the files, which are the only source of truth after a kill:

1. every ``.warc.gz.open`` is mended (cut back to its last whole exchange, closed), and
   the store forgets records that were cut off;
2. every JSONL spool a killed run left (``jsonl/*.jsonl.open``) is finished into its
   ``.jsonl`` (a torn last line dropped);
3. every WARC and JSONL file the store does not know to be learned (written by a run
   that was killed or hit a write error; or every file, when the store is new) is read,
   and the store learns its records (the process may have died between flushing a
   record and saving its state) and its stories (each counts as recorded).

A run that stopped early left links it never requested, some of them on story pages
only; this run does not fetch those pages again, so once it has nothing else to do the
spider reads their links from the WARC files of that run (:meth:`CrawlState.pages_to_follow_again`).
A run that ends with nothing left marks its files, and those it read, as followed.

A story is "done" only when its JSONL line exists; a story whose WARC record exists but
whose line does not is fetched again (unconditionally, so it can be extracted; its
identical payload is written as a revisit, not a second full record).

Settings: ``ARCHIVE_STATE_ENABLED`` (default True; off = every run starts from nothing),
``REFRESH_AFTER_DAYS``, ``REFRESH_MIN_DAYS``, ``REFRESH_MAX_DAYS`` (when an archived
story is fetched again: :mod:`crawler.refresh`), ``ARCHIVE_STATE_COMMIT_INTERVAL`` (default 1 s:
the SQLite store commits its changes at most this often; what a kill loses is learned
again from the files, step 3 above).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.misc import load_object

from archive.check import damaged_offset
from archive.jsonl import iter_jsonl
from archive.layout import OPEN_SUFFIX
from archive.mend import mend_open_files
from archive.reader import DAMAGE_ERRORS, RecordRef, damage_text, iter_records
from archive.records import payload_digest
from archive.state import SqliteStateStore, StateStore, UrlState
from crawler.extraction.records import finalize_spool, story_id
from crawler.extraction.versions import story_state, text_digest
from crawler.refresh import RefreshPolicy
from crawler.runs import archive_dir

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from archive.layout import ArchiveDir
    from archive.mend import MendReport
    from archive.reader import RecordRef

logger = logging.getLogger(__name__)

#: Page kinds that are fetched once and then kept (unless a refresh is due).
KEPT_KINDS = frozenset({"story", "requisite"})


class CrawlState:
    """The state store of this crawl's output directory, recovered and ready."""

    def __init__(self, crawler: Crawler, store: StateStore, layout: ArchiveDir) -> None:
        settings = crawler.settings
        self.store = store
        self.layout = layout
        self.stats = crawler.stats
        self.run_id = settings.get("ARCHIVE_RUN_ID", "")
        self.refresh = RefreshPolicy.from_settings(settings)
        #: WARC files of earlier runs whose pages' links were not all followed (taken
        #: before this run writes any file of its own).
        self.unfollowed = [
            path for path in sorted(layout.crawl_warc_dir.glob("*.warc.gz"))
            if not store.is_followed(path.name)
        ]
        self.unreadable: set[str] = set()  # unfollowed files damaged part-way

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlState | None:
        """The crawl's state (made, and the archive recovered, on first use), or None
        when ``ARCHIVE_STATE_ENABLED`` is off."""
        if not crawler.settings.getbool("ARCHIVE_STATE_ENABLED", True):
            return None
        state = getattr(crawler, "_archive_state", None)
        if state is None:
            layout = archive_dir(crawler.settings)
            # ARCHIVE_STATE_STORE: import path of a factory(settings) -> StateStore, for a
            # store shared by several workers (--redis sets it); default: SQLite in DIR.
            factory = crawler.settings.get("ARCHIVE_STATE_STORE")
            store = (load_object(factory)(crawler.settings) if factory else _sqlite_store(
                layout.state_path,
                crawler.settings.getfloat("ARCHIVE_STATE_COMMIT_INTERVAL", 1.0),
                crawler.stats,
            ))
            recover(layout, store, crawler.stats)
            state = cls(crawler, store, layout)
            crawler._archive_state = state
            crawler.signals.connect(state.engine_stopped, signal=signals.engine_stopped)
        return state

    def engine_stopped(self) -> None:
        self.store.close()

    # -- what to fetch -------------------------------------------------------------

    def archived(self, url: str) -> UrlState | None:
        """The state of a URL fetched before, or None if it was never archived."""
        state = self.store.url_state(url)
        return state if state is not None and state.has_record else None

    def is_kept(self, url: str, kind: str, state: UrlState) -> bool:
        """True when ``url`` needs no fetch in this run: a story or requisite already
        archived (a story only once its JSONL line exists) and not due for a refresh."""
        if kind not in KEPT_KINDS or state.status != 200:
            return False
        if kind == "story" and not self.is_recorded(url):
            return False
        return not self.refresh.is_due(state, kind, datetime.now(UTC))

    def is_recorded(self, url: str) -> bool:
        """True when the story at ``url`` has a JSONL line that lists ``url``: a copy
        archived by a run killed before its line was written is fetched again."""
        story = self.store.story(story_id(url))
        return story is not None and story.lists(url)

    # -- links left by runs that stopped early ----------------------------------------

    def pages_to_follow_again(self) -> Iterator[RecordRef]:
        """Every page (200 response record) of the :attr:`unfollowed` files, loaded.

        A run that stopped early (``--max-pages``, a signal, a kill, a full disk) left
        links it had found but not requested, and this run does not fetch its stories
        again, so the spider reads their links from the archive instead.
        """
        for path in self.unfollowed:
            self.stats.inc_value("state/followed_again/files")
            try:
                yield from _whole_pages(path)
            except (*DAMAGE_ERRORS, OSError, ValueError) as error:
                self.unreadable.add(path.name)
                self.stats.inc_value("state/followed_again/unreadable_files")
                logger.error("WARC file damaged: %s (%s): the links of its damaged pages are "
                             "not followed; `news-archive check` tells more", path,
                             damage_text(error))

    def run_finished(self, warc_files: Iterable[str]) -> None:
        """The run ended with nothing left to request: every link on the pages of its own
        WARC files, and of the :attr:`unfollowed` ones it read whole, was followed."""
        read = (path.name for path in self.unfollowed if path.name not in self.unreadable)
        for name in (*warc_files, *read):
            self.store.mark_followed(name)


def _whole_pages(path: Path) -> Iterator[RecordRef]:
    """The 200 response records of a WARC file, loaded; then ValueError if the file is
    damaged (warcio reads past some damage quietly: a record whose payload no longer
    matches its digest is left out, and every gzip member is checked at the end)."""
    mismatched = 0
    for ref in iter_records(path, load=True):
        http = ref.read_http_headers()
        if ref.rec_type != "response" or not http or http.get_statuscode() != "200":
            continue
        if ref.payload_digest and payload_digest(ref.read_payload()) != ref.payload_digest:
            mismatched += 1
            continue
        yield ref
    if (offset := damaged_offset(path)) is not None:
        raise ValueError(f"a damaged gzip member at offset {offset}")
    if mismatched:
        raise ValueError(f"{mismatched} response record(s) do not match their payload digest")


def mend_leftovers(layout: ArchiveDir, stats: StatsCollector) -> list[MendReport]:
    """Mend the WARC files a killed run left open (cut back to their last whole exchange)
    and finish its JSONL spools, before this run writes anything; with or without the
    state store."""
    reports = mend_open_files(layout.crawl_warc_dir)
    for report in reports:
        stats.inc_value("archive/mended_files")
        logger.warning(
            "WARC file left open by an earlier run: %s: %s", report.open_path.name, report.note
        )
    for spool in sorted(layout.jsonl_dir.glob("*.jsonl" + OPEN_SUFFIX)):
        final = finalize_spool(spool)
        stats.inc_value("archive/mended_jsonl")
        logger.warning("Finished the JSONL of an interrupted run: %s", final)
    return reports



def _sqlite_store(path: Path, commit_interval: float, stats) -> SqliteStateStore:
    """The archive's SQLite state store. A damaged one (a disk error, a copy cut short)
    is moved aside, kept for a person to look at, and a new one is rebuilt from the WARC
    and JSONL files, as when the store is deleted."""
    try:
        return SqliteStateStore(path, commit_interval=commit_interval)
    except sqlite3.DatabaseError as error:
        aside = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        for suffix in ("", "-wal", "-shm"):  # the database and its WAL files go together
            part = path.with_name(path.name + suffix)
            if part.exists():
                part.rename(aside.with_name(aside.name + suffix))
        logger.error("State store %s is damaged (%s): moved to %s; a new one is rebuilt "
                     "from the WARC and JSONL files", path, error, aside)
        stats.inc_value("state/damaged_store_moved_aside")
        return SqliteStateStore(path, commit_interval=commit_interval)


def recover(layout: ArchiveDir, store: StateStore, stats: StatsCollector) -> None:
    """Mend what a killed run left behind and make the store agree with the files."""
    for report in mend_leftovers(layout, stats):
        cut_from = 0 if report.deleted else report.kept_bytes
        forgotten = store.forget_records(report.path.name.removesuffix(OPEN_SUFFIX), cut_from)
        if forgotten:
            logger.warning("%d URL(s) lost their record in %s: fetched again", forgotten,
                           report.path.name)
    for path in sorted(layout.crawl_warc_dir.glob("*.warc.gz")):
        if not store.is_learned(path.name):
            _learn_records(path, store, stats)
            store.mark_learned(path.name)
            stats.inc_value("state/learned_files")
    for path in sorted(layout.jsonl_dir.glob("*.jsonl")):
        if not store.is_learned(path.name):
            _learn_stories(path, store, stats)
            store.mark_learned(path.name)
            stats.inc_value("state/learned_files")


def _learn_records(path: Path, store: StateStore, stats: StatsCollector) -> None:
    """Save the state of every response (and revisit) record of a mended WARC file; of a
    file damaged part-way, of the records before the damage (the URLs of the others are
    fetched again)."""
    try:
        for ref in iter_records(path):
            _learn_record(path, ref, store)
    except DAMAGE_ERRORS as error:
        logger.error("WARC file damaged: %s (%s): the URLs of its records after the damage "
                     "are fetched again; `news-archive check` tells more", path,
                     damage_text(error))
        stats.inc_value("state/damaged_files")


def _learn_record(path: Path, ref: RecordRef, store: StateStore) -> None:
    if ref.rec_type not in ("response", "revisit") or not ref.target_uri:
        return
    http = ref.read_http_headers()
    status = int(http.get_statuscode()) if http else 0
    previous = store.url_state(ref.target_uri)
    common = {
        "fetched_at": ref.date,
        "etag": http.get_header("ETag") if http else None,
        "last_modified": http.get_header("Last-Modified") if http else None,
    }
    if ref.rec_type == "revisit":
        if previous is not None:
            store.save_url(_replace(previous, **common))
        return
    store.save_url(UrlState(
        url=ref.target_uri, status=status, payload_digest=ref.payload_digest,
        filename=path.name, offset=ref.offset, length=ref.length,
        record_id=ref.record_id, record_date=ref.date, target_uri=ref.target_uri,
        **common,
    ))


def _learn_stories(jsonl: Path, store: StateStore, stats: StatsCollector) -> None:
    """Count every story of a finished JSONL file as recorded; a damaged line is
    reported and skipped (its story is fetched and recorded again)."""
    run_id = jsonl.name.removesuffix(".jsonl")

    def report(error: Exception) -> None:
        logger.error("%s: its story is fetched and recorded again", error)
        stats.inc_value("state/damaged_jsonl_lines")

    for line in iter_jsonl(jsonl, on_bad_line=report):
        try:
            known = store.story(line["id"])
            if known is None or line.get("version", 1) >= known.version:
                store.save_story(story_state(line, text_digest(line), run_id))
        except (KeyError, TypeError, AttributeError) as error:  # JSON, but not a record
            report(ValueError(f"{jsonl}: not an article record ({error!r})"))


def _replace(state: UrlState, **changes) -> UrlState:
    return replace(state, **{k: v for k, v in changes.items() if v is not None})
