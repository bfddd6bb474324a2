"""Peak memory of `news-archive crawl` as the archive grows: flat, because the state lives
on disk (``OUT/state.sqlite3``), not in the process.

    python bench/memory.py [--stories N ...] [--workdir DIR] [--incremental]

For each ``--stories`` count (default: 1000 and 20000) it serves a replica with about
that many stories (``ceil(N / 3)`` per site), crawls it into a fresh directory with the
politeness limits lifted for the replica (robots.txt obeyed, extraction on), and polls
``/proc`` every 100 ms for the crawl's process tree. With ``--incremental`` it then
crawls the same replica again into the same directory (every story kept: only home
pages, listings and feeds are fetched).

Printed per crawl: stories in the replica, responses archived, seconds, the crawl
process's peak RSS (``VmHWM``, exact), the peak of the whole tree's summed RSS
(sampled; the extraction workers included) and the size of the state store. The 20,000
story crawl takes many minutes; the tests never run it.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mirror.process import REPLICA_SETTINGS, MirrorProcess, setting_args

REPLICA = setting_args({**REPLICA_SETTINGS, "PROGRESS_INTERVAL": 30})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--incremental", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    print(f"{'stories':>8} {'run':>12} {'responses':>9} {'seconds':>8} "
          f"{'crawl_MB':>9} {'tree_MB':>8} {'state_MB':>9}")
    for stories in args.stories:
        per_site = math.ceil(stories / 3)
        with MirrorProcess(articles_per_site=per_site) as mirror:
            out = workdir / f"out-{stories}"
            runs = ["first"] + (["incremental"] if args.incremental else [])
            for label in runs:
                row = measure_crawl(out, mirror.proxy)
                print(f"{stories:>8} {label:>12} {row['responses']:>9} {row['seconds']:>8.0f} "
                      f"{row['crawl_mb']:>9.0f} {row['tree_mb']:>8.0f} {row['state_mb']:>9.1f}",
                      flush=True)


def measure_crawl(out: Path, proxy: str) -> dict:
    started = time.monotonic()
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "--out", str(out), "--quiet",
         "--proxy", proxy, *REPLICA],
        stdout=subprocess.DEVNULL,
    )
    tree_peak = 0
    crawl_peak = 0
    while crawl.poll() is None:
        tree = [crawl.pid, *children(crawl.pid)]
        tree_peak = max(tree_peak, sum(status_kb(pid, "VmRSS") for pid in tree))
        crawl_peak = max(crawl_peak, status_kb(crawl.pid, "VmHWM"))
        time.sleep(0.1)
    seconds = time.monotonic() - started
    if crawl.returncode != 0:
        raise SystemExit(f"the crawl failed with exit code {crawl.returncode}: see {out}/logs")
    stats = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text())
    return {
        "responses": stats["summary"]["responses"],
        "seconds": seconds,
        "crawl_mb": crawl_peak / 1024,
        "tree_mb": tree_peak / 1024,
        "state_mb": (out / "state.sqlite3").stat().st_size / 1e6,
    }


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    main()
