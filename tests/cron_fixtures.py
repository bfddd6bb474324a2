"""Helpers of the cron-run tests: start the real CLI, and check a whole output directory
the way an archivist would (gzip -t, warcio check, news-archive check, JSONL pointers)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.crawl_fixtures import REPLICA_SETTINGS, Record, read_warc

CLI = [sys.executable, "-m", "crawler.cli"]


def crawl_command(out: Path, proxy: str, *args: str) -> list[str]:
    return [*CLI, "crawl", "--out", str(out), "--proxy", proxy, *REPLICA_SETTINGS, *args]


def start_crawl(out: Path, proxy: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        crawl_command(out, proxy, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def run_crawl(out: Path, proxy: str, *args: str, timeout: float = 240):
    return subprocess.run(
        crawl_command(out, proxy, *args), capture_output=True, text=True, timeout=timeout
    )


def warc_files(out: Path) -> list[Path]:
    return sorted((out / "warc").glob("*.warc.gz"))


def all_records(out: Path) -> list[Record]:
    return [record for path in warc_files(out) for record in read_warc(path)]


def jsonl_lines(out: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((out / "jsonl").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def assert_versions_in_order(lines: list[dict]) -> None:
    """Each story's lines are its versions 1, 2, ... n, none twice: a story is recorded
    once, and again only as a new version (changed text, or a copy found later)."""
    versions: dict[str, list[int]] = {}
    for line in lines:
        versions.setdefault(line["id"], []).append(line.get("version", 1))
    twice = {story: v for story, v in versions.items() if sorted(v) != list(range(1, len(v) + 1))}
    assert twice == {}


def latest_story_urls(out: Path) -> dict[str, set[str]]:
    """Per story id, the URLs its newest JSONL line lists (what an export keeps)."""
    newest: dict[str, dict] = {}
    for line in jsonl_lines(out):
        known = newest.get(line["id"])
        if known is None or line.get("version", 1) > known.get("version", 1):
            newest[line["id"]] = line
    return {story: set(line["urls"]) for story, line in newest.items()}


def run_stats(out: Path) -> list[dict]:
    """The stats file of every run, oldest first."""
    return [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*.json"))]


def assert_archive_sound(out: Path) -> None:
    """Every WARC passes gzip -t, warcio check and news-archive check; nothing is left
    open; every JSONL line points at the response record it came from."""
    assert not list((out / "warc").glob("*.open"))
    assert not list((out / "jsonl").glob("*.open"))
    files = warc_files(out)
    assert files
    for path in files:
        assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0, path
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run([str(warcio), "check", *map(str, files)], capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tool = subprocess.run([*CLI, "check", str(out)], capture_output=True, text=True)
    assert tool.returncode == 0, tool.stdout + tool.stderr
    by_location = {(r.path.name, r.offset): r for r in all_records(out)}
    for line in jsonl_lines(out):
        warc = line["warc"]
        record = by_location[(warc["filename"], warc["offset"])]
        assert record.type == "response"
        assert record.headers["WARC-Record-ID"] == warc["record_id"]
        assert record.uri in line["urls"]


def archived_urls(out: Path) -> set[str]:
    """Every URL with a response or revisit record in ``out``."""
    return {r.uri for r in all_records(out) if r.type in ("response", "revisit")}


def full_story_records(out: Path) -> Counter:
    """Full 200 response records per story URL (``/reports/`` or ``/news/``)."""
    return Counter(
        r.uri for r in all_records(out)
        if r.type == "response" and r.status == 200 and ("/reports/" in r.uri or "/news/" in r.uri)
    )
