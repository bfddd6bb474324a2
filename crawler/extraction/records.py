"""JSONL article records: assembly, story ids, and one record per story per run.

The same story is often captured at several URLs in one run: the network publishes a
story under the same ``/reports/<slug>.html`` on several of its sites. Records are
therefore keyed by a story id that does not depend on the site:

* ``id`` = SHA-1 (hex) of the URL path for a network article URL that names the story
  on every site (``/reports/<slug>.html``), and of ``host-without-www + path + query``
  for any other (``/news/<topic>-<yy><letters>.html`` is a per-site counter; other sites). An id
  stays the same across runs and across edits of the story (a changed story is a new
  version of the same id).

During a run every extracted capture is appended to a spool file
(``<run-id>.jsonl.open``); when the run ends, :func:`finalize_spool` writes one record
per id and version to ``<run-id>.jsonl`` (a run writes one version of a story; ``news-
archive extract``, over several runs' files, one per run that changed it: see
:mod:`crawler.extraction.versions`): the capture that comes first in WARC order (file
name, then offset: the order the crawl archived them) gives every field, and ``urls``
lists the URL of every capture of that version in WARC order (then any URL the first
capture's line already carried: the copies earlier runs captured of the story). If the
copies differ (a sister site carrying an edited version), the first capture still wins:
its ``warc`` pointer is the record its text came from. Memory stays flat: the merge
holds an index of ids and offsets, not the records.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from archive.jsonl import JsonlWriter, iter_lines, repair_jsonl
from archive.layout import OPEN_SUFFIX
from archive.records import warc_date
from crawler.sites import spacedaily as profile

EXTRACTOR_NAME = "trafilatura"
NEWS_ARCHIVE_VERSION = version("news-archive")
TRAFILATURA_VERSION = version("trafilatura")

#: Why a line was written (its ``change``): the story's first line; its title, byline or
#: text changed since the line it supersedes; or only found at a URL no earlier line
#: listed (a copy on a sister site), its text unchanged.
CHANGE_FIRST = "first"
CHANGE_TEXT = "text"
CHANGE_COPIES = "copies"

#: Field order of a record (the JSON Schema lists the same fields).
ARTICLE_FIELDS = (
    "title", "byline", "place", "agency", "published", "source", "language", "text",
    "images", "related_reports", "encoding",
)


def story_id(url: str) -> str:
    """Stable id of the story at ``url`` (see the module docstring)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = parts.path or "/"
    if profile.names_story_across_sites(host, path):
        key = path
    else:
        key = profile.registered_domain(host) + path + (f"?{parts.query}" if parts.query else "")
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def build_record(
    article: dict, *, url: str, status: int, fetched_at: datetime, warc: dict
) -> dict:
    """A JSONL record for one capture (``urls`` lists only this capture's URL)."""
    host = urlsplit(url).hostname or ""
    record = {
        "id": story_id(url),
        "url": url,
        "urls": [url],
        "site": profile.registered_domain(host),
        "fetched_at": warc_date(fetched_at),
        "status": status,
    }
    record.update({name: article[name] for name in ARTICLE_FIELDS})
    record["warc"] = {
        "filename": _final_name(warc["filename"]),
        "offset": warc["offset"],
        "length": warc["length"],
        "record_id": warc["record_id"],
        "payload_digest": warc["payload_digest"],
    }
    record["extractor"] = {
        "name": EXTRACTOR_NAME,
        "version": TRAFILATURA_VERSION,
        "profile": article["profile"],
        "news_archive": NEWS_ARCHIVE_VERSION,
    }
    record.update(version=1, previous=None, change=CHANGE_FIRST)
    return record


def _final_name(filename: str) -> str:
    return os.path.basename(filename).removesuffix(OPEN_SUFFIX)


def warc_order(record: dict) -> tuple[str, int]:
    return record["warc"]["filename"], record["warc"]["offset"]


def spool_path(final_path: str | os.PathLike) -> Path:
    return Path(str(final_path) + OPEN_SUFFIX)


def finalize_spool(spool: str | os.PathLike, final: str | os.PathLike | None = None) -> Path:
    """Merge a spool of per-capture records into the run's JSONL file and remove it.

    Safe to call on the spool a crashed run left behind (a torn last line is
    dropped). The final file is written under a temporary name and renamed, so it is
    either complete or absent.
    """
    spool = Path(spool)
    final = Path(final) if final is not None else spool.with_name(
        spool.name.removesuffix(OPEN_SUFFIX))
    repair_jsonl(spool)
    index = _index_spool(spool)
    partial = final.with_name(final.name + ".partial")
    partial.unlink(missing_ok=True)
    with JsonlWriter(partial) as writer, open(spool, "rb") as lines:
        for captures in sorted(index.values(), key=lambda c: c[0][:2]):
            lines.seek(captures[0][3])
            record = json.loads(lines.readline())
            urls = [url for _, _, url, _ in captures] + record["urls"]
            record["urls"] = list(dict.fromkeys(urls))
            writer.write(record)
    os.replace(partial, final)
    spool.unlink()
    return final


def _index_spool(spool: Path) -> dict[tuple[str, int], list[tuple[str, int, str, int]]]:
    """(id, version) -> [(WARC file, WARC offset, url, line offset)], each list sorted in
    WARC order: the captures of one version of a story are copies, merged into one line.

    One flat tuple per line and one string per WARC file name: a run's index is the
    largest thing a crawl holds at its end."""
    index: dict[str, list[tuple[str, int, str, int]]] = {}
    filenames: dict[str, str] = {}
    for offset, record in _spool_lines(spool):
        filename, warc_offset = warc_order(record)
        filename = filenames.setdefault(filename, filename)
        key = (record["id"], record.get("version", 1))
        index.setdefault(key, []).append((filename, warc_offset, record["url"], offset))
    for captures in index.values():
        captures.sort()
    return index


def iter_spool(spool: str | os.PathLike) -> Iterator[dict]:
    """The records of a spool, in the order they were written."""
    for _, record in _spool_lines(Path(spool)):
        yield record


def _spool_lines(spool: Path) -> Iterator[tuple[int, dict]]:
    for _, offset, raw in iter_lines(spool):
        yield offset, json.loads(raw)
