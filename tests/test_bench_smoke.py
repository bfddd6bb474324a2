"""The speed benchmark runs end to end at a tiny size and prints every figure.

No timing is asserted (speed targets are benchmark figures, not tests): only that the
benchmark finishes, that wget and the crawl both archived the replica's stories, and
that its last line is one JSON object with every figure the issue asks for, positive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "crawl_vs_wget.py"
BASELINES = BENCH.with_name("scrapy_baselines.py")
REQUIRED = (
    "stories_per_s", "wget_pages_per_s", "ratio_to_wget", "cpu_ms_per_story",
    "peak_rss_mb", "extract_scaling_2_jobs", "extract_vs_trafilatura",
)


def run_bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=240,
        env=env,
    )


def test_benchmark_prints_every_figure_as_one_json_line(tmp_path):
    done = run_bench("--stories", "12", "--workdir", str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in REQUIRED:
        assert isinstance(figures[key], int | float) and figures[key] > 0, (key, figures[key])
    # Both tools reached every story page through the replica, and the crawl extracted them.
    assert figures["story_pages"] >= 12
    assert figures["wget_story_pages"] >= 12
    assert figures["stories_missed_vs_wget"] == 0
    assert figures["records"] >= 12
    assert figures["extract_pages"] == figures["story_pages"]
    # Memory is measured per process: the crawl's main process and its workers.
    assert figures["extraction_workers"] >= 1
    assert 0 < figures["peak_rss_main_mb"] <= figures["peak_rss_mb"]
    assert figures["peak_rss_worker_mb"] > 0
    assert figures["cpu_ms_per_response_main"] > 0 and figures["cpu_ms_per_story_workers"] > 0
    # /usr/bin/time counted the workers' CPU (polled /proc gives a lower bound).
    assert figures["cpu_s_time"] >= 0.9 * figures["cpu_s_sampled"]
    # Plain Scrapy ran on the same replica: the naive spider reached the stories too, and
    # the floor fetched every URL the crawl did (and robots.txt).
    assert figures["naive_pages"] >= figures["story_pages"]
    assert figures["scrapy_floor_pages"] >= figures["pages"]
    for key in ("naive_pages_per_s", "naive_cpu_ms_per_page", "ratio_to_naive",
                "scrapy_floor_pages_per_s", "scrapy_floor_stories_per_s",
                "scrapy_floor_cpu_ms_per_page", "ratio_to_scrapy_floor",
                "main_cpu_ratio_to_scrapy_floor"):
        assert figures[key] > 0, key
    targets = next(line for line in done.stdout.splitlines() if line.startswith("targets:"))
    for name in ("stories_per_s", "ratio_to_wget", "cpu_ms_per_story", "peak_rss_mb",
                 "extract_scaling_2_jobs", "extract_vs_trafilatura"):
        assert name in targets, name
    assert "set at 20,000 stories" in targets  # a tiny run is not the size
    assert "plain Scrapy: naive spider" in done.stdout


def test_benchmark_says_clearly_when_wget_is_missing(tmp_path):
    done = run_bench("--stories", "3", env={**os.environ, "PATH": str(tmp_path)})
    assert done.returncode == 2
    assert "wget is needed" in done.stderr
    assert not done.stdout.strip()


def test_scrapy_baselines_refuse_a_proxy_other_than_the_replica(tmp_path):
    """Every request of the baselines goes through --proxy: anything but loopback would
    send traffic off this machine."""
    done = subprocess.run(
        [sys.executable, str(BASELINES), "floor", "--proxy", "http://192.0.2.1:3128",
         "--stats", str(tmp_path / "stats.json"), "--urls", str(tmp_path / "urls.txt")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "--proxy must be the local replica" in done.stderr
    assert not (tmp_path / "stats.json").exists()
