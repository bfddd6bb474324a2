"""Story versions: which capture of a story makes a new JSONL line, and what it says.

One rule for the crawl (:class:`crawler.incremental.VersionedExtraction`, against the
archive's state store) and for ``news-archive extract`` (:func:`version_captures`,
against a scratch store), so re-extracting a crawl's WARC files gives its lines.

A capture of a story no run recorded is its first line (version 1). In a later run, a
capture makes version n+1 when the title, byline or text changed (``"change": "text"``)
or when its URL is on no line yet, the text unchanged (``"change": "copies"``: a copy a
sister site published later); ``previous`` points at the record of version n, and
``urls`` lists every copy known. Otherwise the story is unchanged: no line. Further
captures of the story in the run that wrote its line are copies merged into that line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

from archive.jsonl import JsonlWriter
from archive.state import SqliteStateStore, StateStore, StoryState
from crawler.extraction.records import CHANGE_COPIES, CHANGE_TEXT, iter_spool

#: What a capture was to its story (the crawl counts them as ``stories/<kind>``); None
#: for a further copy in the run that wrote the story's line.
NEW = "new"
CHANGED = "changed"
NEW_COPY = "new_copies"
UNCHANGED = "unchanged"


def text_digest(record: dict) -> str:
    """What makes a story's text: a changed digest makes a new version."""
    content = json.dumps([record.get("title"), record.get("byline"), record.get("text")],
                         ensure_ascii=False)
    return hashlib.sha1(content.encode("utf-8")).hexdigest()


def next_line(
    record: dict, known: StoryState | None, run_id: str
) -> tuple[dict | None, str | None]:
    """The line a capture's ``record`` makes in run ``run_id`` (None: none), given the
    story's newest line so far, and what the capture was (:data:`NEW`...)."""
    if known is None:
        return record, NEW
    # Every copy known of the story stays listed on its newest line.
    record = {**record, "urls": [record["url"], *known.known_urls]}
    if known.run_id == run_id:  # another copy in the run that wrote the line: merged
        previous = json.loads(known.previous) if known.previous else None
        return {**record, "version": known.version, "previous": previous,
                "change": known.change or record["change"]}, None
    if text_digest(record) != known.text_digest:
        change, kind = CHANGE_TEXT, CHANGED
    elif not known.lists(record["url"]):
        change, kind = CHANGE_COPIES, NEW_COPY
    else:
        return None, UNCHANGED
    previous = {
        "record_id": known.record_id, "filename": known.filename,
        "offset": known.offset, "fetched_at": known.fetched_at, "url": known.url,
    }
    return {**record, "version": known.version + 1, "previous": previous,
            "change": change}, kind


def known_after(line: dict, known: StoryState | None, run_id: str) -> StoryState | None:
    """What the store must know of the story once ``line`` is written (None: nothing new)."""
    if known is None or known.run_id != run_id:
        return story_state(line, text_digest(line), run_id)
    if not known.lists(line["url"]):  # a copy: the run's line will list it
        return replace(known, urls=json.dumps([*known.known_urls, line["url"]]))
    return None


def story_state(record: dict, digest: str, run_id: str) -> StoryState:
    """The store's entry for a JSONL line."""
    warc = record["warc"]
    return StoryState(
        story_id=record["id"], version=record.get("version", 1), text_digest=digest,
        url=record["url"], record_id=warc["record_id"], filename=warc["filename"],
        offset=warc["offset"], fetched_at=record["fetched_at"], run_id=run_id,
        previous=json.dumps(record["previous"]) if record.get("previous") else None,
        urls=json.dumps(record.get("urls") or [record["url"]]), change=record.get("change"),
    )


def version_captures(spool: str | os.PathLike, output: str | os.PathLike,
                     run_of: Callable[[str], str]) -> int:
    """Write to ``output`` the lines the captures in ``spool`` (one record per capture, in
    WARC order) make, the run of each capture's WARC file given by ``run_of``; returns
    how many. The stories' state is kept in a scratch SQLite store: memory stays flat."""
    lines = 0
    with TemporaryDirectory(prefix="news-archive-versions-") as scratch, \
            JsonlWriter(output) as writer:
        store: StateStore = SqliteStateStore(Path(scratch) / "stories.sqlite3",
                                             commit_interval=3600)
        try:
            for record in iter_spool(spool):
                run_id = run_of(record["warc"]["filename"])
                known = store.story(record["id"])
                line, _ = next_line(record, known, run_id)
                if line is None:
                    continue
                writer.write(line)
                lines += 1
                after = known_after(line, known, run_id)
                if after is not None:
                    store.save_story(after)
        finally:
            store.close()
    return lines
