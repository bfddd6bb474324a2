"""Incremental cron runs against the replica as time passes (``--epoch``): what each run
fetched, what it stored in full, as revisits and as JSONL lines; plus the lock, the
stats, the log and the summary of a run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.layout import ArchiveDir
from archive.state import SqliteStateStore
from crawler.extraction.records import story_id
from crawler.runs import OutputLock
from crawler.state import recover
from tests.conftest import MirrorProcess, load_truth
from tests.crawl_fixtures import Record, read_warc
from tests.cron_fixtures import (
    all_records,
    assert_archive_sound,
    crawl_command,
    jsonl_lines,
    run_crawl,
    run_stats,
)
from tests.tools_fixtures import damage_mid_file

ARTICLES_PER_SITE = 6
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


@dataclass
class Run:
    result: subprocess.CompletedProcess
    records: list[Record]  # of this run's WARC files only
    lines: list[dict]  # this run's JSONL
    stats: dict


def crawl_epoch(out: Path, epoch: int, *args: str) -> Run:
    before = set((out / "warc").glob("*.warc.gz"))
    replica = MirrorProcess(articles_per_site=ARTICLES_PER_SITE, epoch=epoch)
    try:
        result = run_crawl(out, replica.proxy, "-s", "PROGRESS_INTERVAL=0.5", *args)
    finally:
        replica.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    stats = run_stats(out)[-1]
    jsonl = out / "jsonl" / f"{stats['run_id']}.jsonl"
    new_files = sorted(set((out / "warc").glob("*.warc.gz")) - before)
    records = [r for path in new_files for r in read_warc(path)]
    lines = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
    return Run(result, records, lines, stats)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, list[Run]]:
    """Epoch 0; epoch 1 with every story refreshed; epoch 1 again without refresh."""
    out = tmp_path_factory.mktemp("cron") / "archive"
    first = crawl_epoch(out, 0)
    second = crawl_epoch(out, 1, "--refresh-after", "0")
    third = crawl_epoch(out, 1)
    return out, [first, second, third]


@pytest.fixture(scope="module")
def truth() -> dict[int, dict[str, dict]]:
    """Stories by story id, per epoch."""
    return {
        epoch: {
            story_id(t["urls"][0]): t
            for t in load_truth(articles_per_site=ARTICLES_PER_SITE, epoch=epoch)
            if t["kind"] == "story"
        }
        for epoch in (0, 1)
    }


def full_responses(run: Run, url: str) -> list[Record]:
    return [r for r in run.records if r.type == "response" and r.uri == url]


def test_first_run_records_every_story_once_as_version_1(runs, truth):
    _, (first, _, _) = runs
    assert sorted(line["id"] for line in first.lines) == sorted(truth[0])
    assert all((line["version"], line["change"], line["previous"]) == (1, "first", None)
               for line in first.lines)


def test_later_run_records_only_new_stories_and_new_versions_of_edited_ones(runs, truth):
    _, (first, second, _) = runs
    new = {i for i, t in truth[1].items() if t["epoch_published"] == 1}
    edited = {i for i, t in truth[1].items() if t["epoch_published"] == 0
              and t["epoch_modified"] == 1}
    assert new and edited
    by_id = {line["id"]: line for line in second.lines}
    assert set(by_id) == new | edited
    assert len(second.lines) == len(by_id)
    originals = {line["id"]: line for line in first.lines}
    for story in edited:
        line = by_id[story]
        assert (line["version"], line["change"]) == (2, "text")
        assert set(line["urls"]) >= set(originals[story]["urls"])  # every copy still listed
        assert line["text"] == truth[1][story]["text"] != originals[story]["text"]
        assert line["previous"]["record_id"] == originals[story]["warc"]["record_id"]
        assert line["previous"]["filename"] == originals[story]["warc"]["filename"]
    assert all(by_id[story]["version"] == 1 for story in new)
    summary = second.stats["summary"]["stories"]
    assert (summary["new"], summary["changed"]) == (len(new), len(edited))
    # counted per page: a story on two sites is two unchanged pages
    old_pages = sum(len(t["urls"]) for t in truth[0].values())
    assert len(truth[0]) - len(edited) <= summary["unchanged"] <= old_pages


def test_unchanged_stories_are_revisits_that_point_at_the_original(runs, truth):
    _, (first, second, _) = runs
    unchanged = [t for t in truth[1].values() if t["epoch_modified"] == 0]
    assert unchanged
    for story in unchanged:
        for url in story["urls"]:
            [original] = full_responses(first, url)
            assert full_responses(second, url) == []
            [revisit] = [r for r in second.records if r.type == "revisit" and r.uri == url]
            assert revisit.headers["WARC-Profile"] == NOT_MODIFIED
            assert revisit.status == 304
            assert revisit.headers["WARC-Refers-To"] == original.headers["WARC-Record-ID"]
            assert revisit.headers["WARC-Refers-To-Target-URI"] == url
            assert revisit.headers["WARC-Refers-To-Date"] == original.headers["WARC-Date"]
            assert revisit.payload == b""


def test_a_refetch_without_validators_and_the_same_payload_is_an_identical_digest_revisit(
    runs,
):
    _, (first, second, _) = runs
    robots = "http://www.spacewar.com/robots.txt"  # Scrapy fetches it without validators
    [original] = full_responses(first, robots)
    [revisit] = [r for r in second.records if r.type == "revisit" and r.uri == robots]
    assert revisit.headers["WARC-Profile"] == IDENTICAL
    assert revisit.headers["WARC-Payload-Digest"] == original.headers["WARC-Payload-Digest"]
    assert revisit.headers["WARC-Refers-To"] == original.headers["WARC-Record-ID"]
    assert revisit.headers["WARC-Refers-To-Date"] == original.headers["WARC-Date"]


def test_an_unchanged_error_answer_is_a_revisit_too(runs):
    """The image host's robots.txt is a 404, asked for again by every run that fetches
    images: one full record, then identical-payload revisits."""
    _, done = runs
    robots = [r for run in done for r in run.records if r.type in ("response", "revisit")
              and r.uri == "http://www.spxdaily.com/robots.txt"]
    assert [r.type for r in robots][:1] == ["response"] and len(robots) >= 2
    assert all(r.type == "revisit" and r.headers["WARC-Profile"] == IDENTICAL
               and r.status_line.split()[1] == "404" for r in robots[1:])


def test_listings_are_refetched_with_conditional_requests(runs):
    _, (first, second, third) = runs
    home = "http://www.spacewar.com/index.html"
    [original] = full_responses(second, home) or full_responses(first, home)  # the latest
    [request] = [r for r in third.records if r.type == "request" and r.uri == home]
    assert request.http_header("If-None-Match") == original.http_header("ETag")
    assert request.http_header("If-Modified-Since") == original.http_header("Last-Modified")


def test_stories_not_due_for_a_refresh_are_not_fetched_again(runs, truth):
    """The third run uses the default, adaptive refresh: the replica's stories were
    last modified months before they were fetched, so none is due a day later."""
    _, (_, _, third) = runs
    fetched = {r.uri for r in third.records if r.type in ("response", "revisit")}
    story_urls = {url for t in truth[1].values() for url in t["urls"]}
    assert fetched & story_urls == set()
    assert third.lines == []
    # some copies are linked only from story pages, which are not fetched: never claimed
    assert 0 < third.stats["summary"]["stories"]["kept_without_fetching"] <= len(story_urls)
    assert "http://www.spacewar.com/index.html" in fetched  # home pages are fetched


def test_stories_due_are_fetched_again_conditionally_and_requisites_are_not(
    runs, truth, tmp_path
):
    """The adaptive refresh (the default) with its longest wait at 0: every story is due
    and asked for with a conditional request (unchanged: a 304 revisit), no image is."""
    source, _ = runs
    out = tmp_path / "archive"
    shutil.copytree(source, out)
    run = crawl_epoch(out, 1, "-s", "REFRESH_MAX_DAYS=0")
    not_modified = {r.uri for r in run.records if r.type == "revisit"
                    and r.headers.get("WARC-Profile") == NOT_MODIFIED}
    story_urls = {url for t in truth[1].values() for url in t["urls"]}
    assert story_urls <= not_modified
    requisites = {r.uri for r in run.records if r.uri.endswith((".jpg", ".gif", ".png", ".css"))}
    assert requisites == set()
    assert run.lines == []


def test_every_file_of_every_run_is_sound(runs):
    out, _ = runs
    assert_archive_sound(out)


def test_each_run_has_a_log_with_progress_lines_and_a_stats_file(runs):
    out, all_runs = runs
    for run in all_runs:
        run_id = run.stats["run_id"]
        log = (out / "logs" / f"{run_id}.log").read_text()
        assert "progress: " in log and " pages (" in log  # at least the last word
        summary = run.stats["summary"]
        assert summary["exit_code"] == 0 and summary["finish_reason"] == "finished"
        assert summary["duration_seconds"] > 0
        assert summary["responses"] == sum(summary["responses_by_status"].values())
        assert "drift_warnings" in summary and "errors" in summary
        assert f"run {run_id} ended: finished (exit code 0)" in run.result.stdout
    first = all_runs[0].stats
    first_log = (out / "logs" / f"{first['run_id']}.log").read_text()
    # a line every PROGRESS_INTERVAL (0.5 s) while it ran, plus the last one; half of the
    # ticks at least, as a loaded machine may delay the timer
    ticks = int(first["summary"]["duration_seconds"] / 0.5)
    assert first_log.count("progress: ") >= 1 + ticks // 2


def test_a_second_run_on_a_locked_directory_exits_at_once_with_75(tmp_path):
    out = tmp_path / "archive"
    with OutputLock(out / ".lock"):
        started = time.monotonic()
        result = subprocess.run(
            crawl_command(out, "http://127.0.0.1:9"), capture_output=True, text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 75
    assert "in use by another crawl" in result.stderr
    assert elapsed < 20
    assert not (out / "warc").exists()


def test_crawl_help_documents_the_exit_codes():
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--help"], capture_output=True,
        text=True, check=True,
    )
    for code in ("0", "1", "2", "64", "75"):
        assert f"\n  {code} " in result.stdout


class Counts:
    def __init__(self) -> None:
        self.values: Counter = Counter()

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] += count


def test_a_deleted_state_store_is_rebuilt_from_the_files(runs, tmp_path):
    source, _ = runs
    out = tmp_path / "archive"
    shutil.copytree(source, out)
    (out / "state.sqlite3").unlink()
    for leftover in out.glob("state.sqlite3-*"):
        leftover.unlink()
    store = SqliteStateStore(out / "state.sqlite3")
    counts = Counts()
    recover(ArchiveDir(out), store, counts)

    lines = jsonl_lines(out)
    assert counts.values["state/learned_files"] == len(list(out.glob("*/*.warc.gz"))) + len(
        list(out.glob("jsonl/*.jsonl"))
    )
    for line in lines:  # the newest version of every story
        newest = max(v.get("version", 1) for v in lines if v["id"] == line["id"])
        assert store.story(line["id"]).version == newest
    responses = [r for r in all_records(out) if r.type == "response"]
    for record in responses:
        state = store.url_state(record.uri)
        assert state is not None and state.has_record
    latest = {r.uri: r for r in responses}  # in file order: the last full record wins
    for uri, record in latest.items():
        assert store.url_state(uri).record_id == record.headers["WARC-Record-ID"]


def test_a_damaged_state_store_is_moved_aside_and_rebuilt(runs, tmp_path):
    """A store SQLite cannot open (a disk error): kept for a person to look at, and the
    run goes on with one rebuilt from the files, fetching nothing it had archived."""
    source, _ = runs
    out = tmp_path / "archive"
    shutil.copytree(source, out)
    store = out / "state.sqlite3"
    damaged = bytearray(store.read_bytes())
    damaged[100:4096] = bytes(3996)
    store.write_bytes(bytes(damaged))
    run = crawl_epoch(out, 1)
    assert "state.sqlite3 is damaged" in run.result.stderr
    (aside,) = out.glob("state.sqlite3.damaged-*[0-9]Z")
    assert aside.read_bytes() == bytes(damaged)
    assert run.stats["state/damaged_store_moved_aside"] == 1
    assert run.lines == []
    assert not [r for r in run.records if r.type == "response" and "/reports/" in r.uri]


def test_damaged_files_met_while_the_store_is_rebuilt_are_reported_and_passed(
        runs, tmp_path):
    """A JSONL line and a WARC file damaged on disk: the run says so (escaped, no bytes
    of the damage in the log), learns what is readable, and goes on."""
    source, _ = runs
    out = tmp_path / "archive"
    shutil.copytree(source, out)
    for part in out.glob("state.sqlite3*"):
        part.unlink()
    jsonl = sorted((out / "jsonl").glob("*.jsonl"))[0]
    lines = jsonl.read_bytes().split(b"\n")
    lines[1] = lines[1][:40] + b"\xff"
    jsonl.write_bytes(b"\n".join(lines))
    damage_mid_file(sorted((out / "warc").glob("*.warc.gz"))[0])
    run = crawl_epoch(out, 1)
    assert f"{jsonl}:2: not a JSON line" in run.result.stderr
    assert "WARC file damaged" in run.result.stderr and "XXXX" in run.result.stderr
    assert all(line.isprintable() for line in run.result.stderr.splitlines())
    assert run.stats["state/damaged_jsonl_lines"] == 1
    assert run.stats["state/damaged_files"] == 1


def test_extract_over_every_run_rebuilds_the_crawl_lines(runs, tmp_path):
    """`news-archive extract` over every run's WARC files gives the lines the runs wrote:
    the same versions, changes, previous pointers and copies (told apart by run through
    each file's warcinfo)."""
    out, (first, second, _) = runs
    assert any(line["version"] == 2 for line in second.lines)
    rebuilt = tmp_path / "rebuilt.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "extract", "--jobs", "2", "-o", str(rebuilt),
         *map(str, sorted(out.glob("warc/*.warc.gz")))],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr

    def by_version(lines: list[dict]) -> dict[tuple[str, int], dict]:
        return {(line["id"], line["version"]): {**line, "urls": set(line["urls"])}
                for line in lines}

    crawled = jsonl_lines(out)
    lines = [json.loads(line) for line in rebuilt.read_text().splitlines()]
    assert len(lines) == len(crawled)
    assert by_version(lines) == by_version(crawled)
    assert all(line["urls"][0] == line["url"] for line in lines)
