"""Crash safety: `news-archive crawl` killed with SIGKILL (or stopped with SIGTERM) at
random moments, then run again to completion, leaves a sound archive holding every story
of the replica (a story recorded again only as a new version that lists a copy the killed
run had not recorded), and no unchanged story twice in full."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.extraction.records import story_id
from tests.conftest import MirrorProcess, load_truth
from tests.cron_fixtures import (
    archived_urls,
    assert_archive_sound,
    assert_versions_in_order,
    crawl_command,
    full_story_records,
    jsonl_lines,
    latest_story_urls,
    run_crawl,
    run_stats,
    start_crawl,
)

ARTICLES_PER_SITE = 10
KILLS = 5
SEED = 20260528
#: A lower pace than the other tests' (still far above the real defaults), so the crawl
#: lasts long enough for the kills to land in the middle of it.
PACE = ("-s", "CONCURRENT_REQUESTS=4", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")


@pytest.fixture(scope="module")
def replica():
    server = MirrorProcess(articles_per_site=ARTICLES_PER_SITE)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stories() -> dict[str, set[str]]:
    """Every story of the replica, by id, with the URLs of all its copies."""
    truth = load_truth(articles_per_site=ARTICLES_PER_SITE)
    return {story_id(t["urls"][0]): set(t["urls"]) for t in truth if t["kind"] == "story"}


def wait_for_first_record(out: Path, crawl: subprocess.Popen) -> None:
    """Block until the crawl opens its first WARC file (the crawl proper begins)."""
    while not list(out.glob("warc/*.open")) and crawl.poll() is None:
        time.sleep(0.02)


def open_warc_bytes(out: Path) -> int:
    """What the crawl has written so far into the WARC files it holds open."""
    written = 0
    for path in out.glob("warc/*.open"):
        with contextlib.suppress(FileNotFoundError):  # closed (renamed) meanwhile
            written += path.stat().st_size
    return written


def wait_until_written(out: Path, crawl: subprocess.Popen, size: int) -> None:
    """Block until the crawl has written ``size`` bytes of WARC, or has ended. Progress,
    not time: this VM's speed drifts, and a kill timed by an earlier crawl's duration can
    come after a faster crawl has closed its files."""
    wait_for_first_record(out, crawl)
    while crawl.poll() is None and open_warc_bytes(out) < size:
        time.sleep(0.005)


@dataclass
class Reference:
    urls: set[str]  # what an uninterrupted crawl archives
    warc_bytes: int  # how much WARC it writes


@pytest.fixture(scope="module")
def reference(replica, tmp_path_factory) -> Reference:
    """An uninterrupted crawl: what it archives, and how much WARC it writes (the kills
    land within that; before, there is nothing to damage; after, little)."""
    out = tmp_path_factory.mktemp("reference") / "archive"
    result = run_crawl(out, replica.proxy, *PACE)
    assert result.returncode == 0, result.stderr[-3000:]
    warc_bytes = sum(path.stat().st_size for path in out.glob("warc/*.warc.gz"))
    return Reference(archived_urls(out), warc_bytes)


def kill_points(warc_bytes: int) -> list[int]:
    """Five points spread over the first 80% of the crawl's WARC bytes: one in each fifth
    of that, at a seeded random point."""
    rng = random.Random(SEED)
    return [int(0.8 * warc_bytes * (i + rng.random()) / KILLS) for i in range(KILLS)]


def assert_every_story_recorded(out, stories: dict[str, set[str]]) -> None:
    """Once, or again as a new version listing a copy the killed run did not record;
    the newest line of each story lists every copy."""
    assert_versions_in_order(jsonl_lines(out))
    assert latest_story_urls(out) == stories


@dataclass
class KilledRun:
    out: Path
    left_open: list[str]  # WARC and JSONL files the killed run left open
    rerun: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def killed_runs(replica, reference, tmp_path_factory) -> list[KilledRun]:
    """Five crawls, each killed with SIGKILL at its point, then run again to the end."""
    runs = []
    for point in kill_points(reference.warc_bytes):
        out = tmp_path_factory.mktemp("killed") / "archive"
        crawl = start_crawl(out, replica.proxy, *PACE)
        wait_until_written(out, crawl, point)
        crawl.send_signal(signal.SIGKILL)
        crawl.communicate(timeout=30)  # the extraction workers exit with it
        left_open = sorted(p.name for p in out.glob("*/*.open"))
        runs.append(KilledRun(out, left_open, run_crawl(out, replica.proxy, *PACE)))
    return runs


def test_the_kills_landed_in_the_middle_of_the_crawls(killed_runs):
    assert sum(1 for run in killed_runs if run.left_open) >= KILLS - 1


@pytest.mark.parametrize("moment", range(KILLS))
def test_a_rerun_after_sigkill_mends_and_loses_or_duplicates_nothing(
    moment, killed_runs, stories, reference
):
    run = killed_runs[moment]
    assert run.rerun.returncode == 0, run.rerun.stderr[-3000:]
    killed, rerun = run_stats(run.out)  # the killed run's stats file says so
    assert killed["finish_reason"] == "killed" and killed["exit_code"] is None
    assert killed["found_killed_by"] == rerun["run_id"]
    assert rerun["summary"]["killed_runs_found"] == [killed["run_id"]]
    assert f"found killed before their end: run(s) {killed['run_id']}" in run.rerun.stdout
    mended = rerun["summary"]["mended"]
    assert mended["warc_files"] == sum(1 for n in run.left_open if n.endswith(".warc.gz.open"))
    assert mended["jsonl_files"] == sum(1 for n in run.left_open if n.endswith(".jsonl.open"))
    assert_archive_sound(run.out)
    assert_every_story_recorded(run.out, stories)
    assert reference.urls - archived_urls(run.out) == set()  # every copy, every image
    twice = {url: n for url, n in full_story_records(run.out).items() if n > 1}
    assert twice == {}


def test_sigterm_stops_gracefully_with_exit_code_2_and_the_next_run_finishes(
    replica, stories, reference, tmp_path
):
    out = tmp_path / "archive"
    crawl = start_crawl(out, replica.proxy, *PACE)
    wait_until_written(out, crawl, reference.warc_bytes // 3)
    crawl.send_signal(signal.SIGTERM)
    try:
        _, stderr = crawl.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        crawl.kill()
        raise
    if crawl.returncode == 0:  # the crawl was already done: nothing to interrupt
        pytest.fail("the crawl ended before SIGTERM; make the replica larger")
    assert crawl.returncode == 2, stderr[-3000:]
    assert_archive_sound(out)  # closed cleanly: nothing left for the next run to mend
    [stopped] = run_stats(out)
    assert stopped["finish_reason"] == "shutdown" and stopped["exit_code"] == 2

    rerun = run_crawl(out, replica.proxy, *PACE)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    stopped, finished = run_stats(out)
    assert finished["summary"]["mended"] == {"warc_files": 0, "jsonl_files": 0}
    assert stopped["finish_reason"] == "shutdown" and finished["summary"]["killed_runs_found"] == []
    assert_archive_sound(out)
    assert_every_story_recorded(out, stories)
    assert reference.urls - archived_urls(out) == set()


def test_ctrl_c_to_the_process_group_drains_extraction_without_losing_a_page(
    replica, reference, tmp_path
):
    """Ctrl-C in a terminal signals the crawl and its extraction workers alike: the
    workers leave their lifetime to the crawl, which drains them."""
    out = tmp_path / "archive"
    crawl = subprocess.Popen(crawl_command(out, replica.proxy, *PACE), start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_written(out, crawl, reference.warc_bytes // 3)
    os.killpg(crawl.pid, signal.SIGINT)
    try:
        _, stderr = crawl.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        crawl.kill()
        raise
    if crawl.returncode == 0:
        pytest.fail("the crawl ended before SIGINT; make the replica larger")
    assert crawl.returncode == 2, stderr[-3000:]
    [stopped] = run_stats(out)
    assert stopped.get("extraction/article", 0) > 0
    assert "extraction/errors" not in stopped and "extraction/worker_restarts" not in stopped
    assert_archive_sound(out)
