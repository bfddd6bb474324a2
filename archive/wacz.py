"""Package an archive directory (or one run of it) as a WACZ file with py-wacz.

The WACZ holds the WARC files, py-wacz's CDXJ index (without 304s, like the merged index
of :mod:`archive.index`) and a ``pages/pages.jsonl`` made from our own article records
(not py-wacz's page detection, which finds nothing useful in a crawl): a header line
``{"format": "json-pages-1.0", "id": "pages", ...}``, then one
``{"id", "url", "ts", "title", "text"}`` row per article record (the capture its fields
come from; copies on sister sites are not listed), so ReplayWeb.page lists the stories
and searches their text.

With ``run`` only that run's WARC files (their warcinfo ``isPartOf`` names the run) and
JSONL file are packaged, plus the earlier files holding the originals its revisit records
refer to (found through the merged CDXJ index, brought up to date first), so the
revisits replay from the package alone. The WACZ is written to a temporary name, validated with
py-wacz's own validator and then renamed.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import wacz.main
from wacz.waczindexer import WACZIndexer
from warcio.timeutils import iso_date_to_timestamp

from archive.index import index_archive, iter_cdxj, replayable
from archive.jsonl import iter_jsonl
from archive.layout import ArchiveDir
from archive.reader import DAMAGE_ERRORS, damage_text, iter_records
from archive.warcinfo import read_warcinfo, run_id

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Stories", "hasText": True}


class PackageError(ValueError):
    """The archive cannot be packaged as asked (nothing to package, unknown run...)."""


@dataclass(frozen=True)
class PackageReport:
    output: Path
    warcs: list[Path]
    pages: int


def package_archive(
    root: str | os.PathLike, output: str | os.PathLike, run: str | None = None,
    collection: str = "Web archive",
) -> PackageReport:
    """Write the WACZ of the archive at ``root`` (or of its run ``run``) to ``output``;
    ``collection`` names what was archived in its description."""
    archive = ArchiveDir(Path(root))
    if not archive.root.is_dir():
        raise PackageError(f"no such archive directory: {archive.root}")
    try:
        return _package(archive, Path(output), run, collection)
    except DAMAGE_ERRORS as error:
        raise PackageError(f"a WARC file is damaged ({damage_text(error)}); `news-archive check "
                           f"{archive.root}` says which and where") from error


def _package(archive: ArchiveDir, output: Path, run: str | None,
             collection: str) -> PackageReport:
    warcs = select_warcs(archive, run)
    jsonl_files = select_jsonl(archive, run)
    names = {warc.name for warc in warcs}
    with TemporaryDirectory(prefix="news-archive-wacz-") as scratch:
        pages_file = Path(scratch) / "pages.jsonl"
        pages = write_pages(pages_file, jsonl_files, names)
        tmp = output.with_name(output.name + ".tmp")
        title = f"news-archive {run or archive.root.resolve().name}"
        try:
            _run_wacz("create", "-o", str(tmp), "-p", str(pages_file), "--copy-pages",
                      "--title", title, "--desc", _description(collection, warcs, pages, run),
                      *map(str, warcs))
            validate_wacz(tmp)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
    return PackageReport(output, warcs, pages)


def validate_wacz(path: str | os.PathLike) -> None:
    """Raise :class:`PackageError` with py-wacz's report unless ``path`` validates."""
    _run_wacz("validate", "-f", str(path))


def select_warcs(archive: ArchiveDir, run: str | None) -> list[Path]:
    """The closed WARC files of the archive, or of one run; distinct file names (a WACZ
    keeps WARC files in one folder)."""
    warcs = archive.warc_files()
    if run is not None:
        warcs = [warc for warc in warcs if run_id(read_warcinfo(warc)) == run]
        if warcs:
            warcs += referred_warcs(archive, warcs)
    if not warcs:
        which = f"of run {run} " if run else ""
        raise PackageError(f"no WARC files {which}in {archive.warc_dir}")
    seen: dict[str, Path] = {}
    for warc in warcs:
        if warc.name in seen:
            raise PackageError(f"two WARC files named {warc.name}: {seen[warc.name]}, {warc}")
        seen[warc.name] = warc
    return warcs


def referred_warcs(archive: ArchiveDir, warcs: list[Path]) -> list[Path]:
    """The other WARC files of the archive holding the records that the revisit records
    of ``warcs`` refer to (by ``WARC-Refers-To-Target-URI`` and ``-Date``)."""
    wanted = set()
    for warc in warcs:
        for record in iter_records(warc):
            uri = record.header("WARC-Refers-To-Target-URI")
            date = record.header("WARC-Refers-To-Date")
            if record.rec_type == "revisit" and uri and date:
                wanted.add((uri, iso_date_to_timestamp(date)))
    if not wanted:
        return []
    index_archive(archive.root)
    chosen = {archive.warc_name(warc) for warc in warcs}
    found = {
        fields["filename"]
        for _, timestamp, fields in iter_cdxj(archive.merged_index)
        if (fields.get("url"), timestamp) in wanted and fields.get("mime") != "warc/revisit"
    }
    return [archive.warc_dir / name for name in sorted(found - chosen)]


def select_jsonl(archive: ArchiveDir, run: str | None) -> list[Path]:
    files = archive.jsonl_files()
    if run is None:
        return files
    chosen = [path for path in files if path.stem == run]
    if not chosen:
        raise PackageError(f"no JSONL file of run {run} in {archive.jsonl_dir}")
    return chosen


def write_pages(path: Path, jsonl_files: list[Path], warc_names: set[str]) -> int:
    """Write ``pages.jsonl`` from the article records that point into ``warc_names``;
    returns the number of pages."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(PAGES_HEADER) + "\n")
        for page in iter_pages(jsonl_files, warc_names):
            out.write(json.dumps(page, ensure_ascii=False) + "\n")
            count += 1
    return count


def iter_pages(jsonl_files: list[Path], warc_names: set[str]) -> Iterator[dict]:
    """One page per article record: its capture's URL and time, headline and text."""
    for jsonl in jsonl_files:
        for article in iter_jsonl(jsonl):
            pointer = article.get("warc") or {}
            if pointer.get("filename") not in warc_names:
                continue
            yield {
                "id": pointer["record_id"].removeprefix("<urn:uuid:").removesuffix(">"),
                "url": article["url"],
                "ts": article["fetched_at"],
                "title": article.get("title") or article["url"],
                "text": article.get("text") or "",
            }


def _description(collection: str, warcs: list[Path], pages: int, run: str | None) -> str:
    scope = f"run {run}" if run else "all runs"
    return (f"{collection} ({scope}): {len(warcs)} WARC file(s), "
            f"{pages} story captures with extracted text.")


class ReplayableIndexer(WACZIndexer):
    """py-wacz's indexer, leaving out the captures replay cannot show
    (:func:`archive.index.replayable`)."""

    def filter_record(self, record) -> bool:
        http = record.http_headers
        return super().filter_record(record) and replayable(http and http.get_statuscode())


@contextmanager
def _replayable_index() -> Iterator[None]:
    """py-wacz builds its indexer inside ``create`` and offers no hook for it; swap ours
    in for the length of one command."""
    wacz.main.WACZIndexer = ReplayableIndexer
    try:
        yield
    finally:
        wacz.main.WACZIndexer = WACZIndexer


def _run_wacz(*argv: str) -> None:
    """Run py-wacz's command line in this process; its chatter is kept for errors."""
    chatter = io.StringIO()
    with redirect_stdout(chatter), _replayable_index():
        try:
            status = wacz.main.main(list(argv))
        except SystemExit as exit_:
            status = exit_.code
        except (OSError, ValueError, KeyError) as error:
            raise PackageError(f"wacz {argv[0]} failed: {error}\n{chatter.getvalue()}") from error
    if status not in (0, None):
        raise PackageError(f"wacz {argv[0]} failed (status {status}):\n{chatter.getvalue()}")
