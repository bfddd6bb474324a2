"""Crawl speed against wget, on the same replica, in one run.

    python bench/crawl_vs_wget.py [--stories N] [--workdir DIR] [--jobs J]
                                  [-s NAME=VALUE ...] [--ceiling-sample PAGES]
                                  [--naive-pages PAGES]

1. Serves the replica (``news-archive mirror``) with about ``--stories`` stories
   (``ceil(N / 3)`` per site; cross-posted copies make a few more story pages).
2. Archives it with ``wget --recursive --level=inf --no-parent -e robots=on
   --warc-file`` through the replica as its proxy, from the three home pages, kept on
   the network's hosts with ``--span-hosts --domains``.
3. Archives it with ``news-archive crawl`` through the same proxy, politeness lifted for
   the replica with ``-s`` overrides (no delay, AutoThrottle off, high concurrency;
   robots.txt still obeyed), extraction on (the crawl's default number of workers).
4. Runs two plain Scrapy spiders through the same proxy (``bench/scrapy_baselines.py``,
   Scrapy's default settings, the same politeness overrides): ``naive`` follows every
   link and runs trafilatura inline (the first ``--naive-pages`` responses: it is slow),
   and ``floor`` requests the URLs the crawl fetched and does nothing with the answers,
   Scrapy set up for speed (what its request machinery alone costs per response).
5. Runs ``news-archive extract`` over the crawl's WARC with ``--jobs 1`` and
   ``--jobs 2``, and bare ``trafilatura.extract`` over the same pages in this process
   (payloads decoded to text first, outside the timed region): the ceiling.

Each tool runs under ``/usr/bin/time`` (user + system CPU of the process and every
child it waited for, i.e. the crawl's extraction workers too) while this script polls
``/proc`` for the process tree every 50 ms: peak RSS of each process (``VmHWM``,
exact) and the peak of their sum (sampled). ``/usr/bin/time`` itself reports only the
largest single process, so the crawl's main process and its workers are given
separately. The mirror's own CPU is measured too: it shares the same cores.

Rates are over each command's whole wall-clock time, start-up included. For
``extract``, the start-up (interpreter, imports, worker processes) is measured on a
WARC of one empty page and taken off, so its rates compare with the bare loop.

The key figures:

- ``stories_per_s``: story pages (200 answers on article URLs) the crawl archived, per
  second of its wall-clock time; the crawl ends once its workers extracted them all.
- ``ratio_to_wget``: that over wget's story pages per second (both reach every story).
- ``cpu_ms_per_story``: user + system CPU of the crawl's processes over story pages (the
  requisites, listings and feeds they need are part of the cost).
- ``peak_rss_mb``: peak of the crawl's processes' summed RSS (``peak_rss_main_mb``,
  ``peak_rss_worker_mb``: each process's own peak).
- ``ratio_to_naive``: the crawl's pages/s over the naive spider's.
- ``scrapy_floor_stories_per_s``: the crawl's story pages over that run's wall-clock
  time: the most stories/s a Scrapy crawl of this replica makes on this machine;
  ``ratio_to_scrapy_floor``: the crawl's stories/s over it.
- ``main_cpu_ratio_to_scrapy_floor``: the crawl's own process's CPU per response over
  that of Scrapy fetching the same URLs and doing nothing with them.
- ``extract_scaling_2_jobs``: ``extract --jobs 2`` pages/s over ``--jobs 1`` pages/s.
- ``extract_vs_trafilatura``: ``extract --jobs 1`` pages/s over bare
  ``trafilatura.extract`` (its defaults) pages/s.

Wall-clock figures depend on what else the machine runs: the 1-minute load average
before each command is reported with them. CPU and memory figures depend on it little.

The last line of output is one JSON object holding every figure. Needs Linux (/proc),
GNU time at /usr/bin/time and wget; says so and exits 2 when one is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.sites import spacedaily as profile  # noqa: E402
from mirror.process import REPLICA_SETTINGS, MirrorProcess, setting_args  # noqa: E402

CLI = [sys.executable, "-m", "crawler.cli"]
BASELINES = [sys.executable, str(REPO / "bench" / "scrapy_baselines.py")]
TIME = "/usr/bin/time"
ARTICLE_PAGES = re.compile(r"(\d+) article pages")
POLL_SECONDS = 0.05
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
EXIT_MISSING_TOOL = 2
# Below this share of a run, "run minus start-up" is measurement noise, not work.
STARTUP_NOISE_SHARE = 0.2

#: Politeness lifted for the replica only (mirror.process), logging at INFO.
REPLICA_CRAWL_SETTINGS = {**REPLICA_SETTINGS, "LOG_LEVEL": "INFO"}

#: The issue's targets: figure -> (comparison, bound). The crawl's are set for a replica
#: of :data:`TARGET_STORIES` stories; smaller runs weigh start-up more.
TARGETS = {
    "stories_per_s": (">=", 200),
    "ratio_to_wget": (">=", 0.4),
    "cpu_ms_per_story": ("<=", 10),
    "extract_scaling_2_jobs": (">=", 1.7),
    "extract_vs_trafilatura": (">=", 0.9),
    "peak_rss_mb": ("<", 300),
}
TARGET_STORIES = 20_000


class MissingTool(RuntimeError):
    pass


# -- measuring a command --------------------------------------------------------------

@dataclass
class ProcessPeak:
    name: str
    hwm_kb: int = 0
    cpu_ticks: int = 0


@dataclass
class Measurement:
    wall_s: float
    user_s: float
    sys_s: float
    time_max_rss_kb: int
    processes: dict[int, ProcessPeak] = field(default_factory=dict)
    peak_total_rss_kb: int = 0
    load_before: float = 0.0  # 1-minute load average when it started: others' work

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    @property
    def sampled_cpu_s(self) -> float:
        """CPU of the tree as last seen in /proc (a lower bound: the last 50 ms of
        each process are missed); checks that /usr/bin/time counted every child."""
        return sum(p.cpu_ticks for p in self.processes.values()) / TICKS

    def sampled_cpu_s_of(self, role: str) -> float:
        """CPU of the processes of one role (``main``, ``worker``) as sampled."""
        return sum(p.cpu_ticks for p in self.processes.values() if p.name == role) / TICKS

    def peak_mb(self, role: str) -> float:
        peaks = [p.hwm_kb for p in self.processes.values() if p.name == role]
        return max(peaks, default=0) / 1024


def measure(command: list[str], *, log: Path, classify=None) -> Measurement:
    """Run ``command`` under GNU time; poll its process tree until it ends."""
    time_file = log.with_suffix(".time")
    wrapped = [TIME, "-f", "%e %U %S %M", "-o", str(time_file), *command]
    load_before = os.getloadavg()[0]
    with open(log, "wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(wrapped, stdout=output, stderr=subprocess.STDOUT)
        processes: dict[int, ProcessPeak] = {}
        peak_total = 0
        while process.poll() is None:
            peak_total = max(peak_total, _poll_tree(process.pid, processes, classify))
            time.sleep(POLL_SECONDS)
        wall = time.monotonic() - started
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(command[:4])}... failed ({process.returncode}):\n{tail}")
    _, user, system, max_rss = time_file.read_text().split()[-4:]
    processes.pop(process.pid, None)  # /usr/bin/time itself
    return Measurement(wall, float(user), float(system), int(max_rss), processes, peak_total,
                       load_before)


def _poll_tree(root: int, processes: dict[int, ProcessPeak], classify) -> int:
    """Record each descendant's peak RSS and CPU; returns the sum of current RSS."""
    total = 0
    for pid in _descendants(root):
        status = _read(f"/proc/{pid}/status")
        stat = _read(f"/proc/{pid}/stat")
        if not status or not stat:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        hwm = int(fields.get("VmHWM", "0 kB").split()[0])
        ticks = sum(int(v) for v in stat.rsplit(")", 1)[1].split()[11:13])
        if pid not in processes:
            cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ")
            processes[pid] = ProcessPeak(classify(cmdline) if classify else "main")
        peak = processes[pid]
        peak.hwm_kb, peak.cpu_ticks = max(peak.hwm_kb, hwm), max(peak.cpu_ticks, ticks)
        if pid != root:
            total += rss
    return total


def _descendants(root: int) -> list[int]:
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        for task in _listdir(f"/proc/{pid}/task"):
            queue.extend(int(c) for c in _read(f"/proc/{pid}/task/{task}/children").split())
    return found


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def crawl_role(cmdline: str) -> str:
    """What a process of a crawl or an extract run is, from its command line: the
    crawl's workers run ``crawler.extraction.worker``, extract's are multiprocessing's."""
    if "multiprocessing.resource_tracker" in cmdline:
        return "tracker"
    if "crawler.extraction.worker" in cmdline or "multiprocessing" in cmdline:
        return "worker"
    return "main"


def process_cpu_s(pid: int) -> float:
    stat = _read(f"/proc/{pid}/stat")
    return sum(int(v) for v in stat.rsplit(")", 1)[1].split()[11:13]) / TICKS if stat else 0.0


# -- the replica ----------------------------------------------------------------------

class Replica(MirrorProcess):
    """``news-archive mirror`` in a subprocess, warmed up (headline index built)."""

    def __init__(self, articles_per_site: int) -> None:
        super().__init__(articles_per_site=articles_per_site)
        self._warm()

    def _warm(self) -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": self.proxy}))
        for site in profile.SITES:
            for path in (profile.HOME_PATH, "/reports/Warm_Up_999.html"):
                # The warm-up story does not exist: its 404 is expected.
                with contextlib.suppress(OSError):
                    opener.open(f"http://www.{site}{path}", timeout=120).read()

    def cpu_s(self) -> float:
        return process_cpu_s(self.pid)


# -- the runs -------------------------------------------------------------------------

@dataclass
class CrawlResult:
    measurement: Measurement
    mirror_cpu_s: float
    responses: int
    story_pages: int
    story_urls: set[str]
    warc_bytes: int
    extra: dict = field(default_factory=dict)


def run_wget(replica: Replica, workdir: Path) -> CrawlResult:
    wget = shutil.which("wget")
    directory = workdir / "wget"
    directory.mkdir()
    domains = ",".join(sorted(profile.NETWORK_DOMAINS))
    command = [
        wget, "--quiet", "--recursive", "--level=inf", "--no-parent", "-e", "robots=on",
        "--span-hosts", f"--domains={domains}",
        "--directory-prefix", str(directory / "files"),
        "--warc-file", str(directory / "wget"),
        "-e", "use_proxy=yes", "-e", f"http_proxy=127.0.0.1:{replica.port}",
        *(f"http://www.{site}{profile.HOME_PATH}" for site in profile.SITES),
    ]
    before = replica.cpu_s()
    measurement = measure(command, log=workdir / "wget.log")
    mirror_cpu = replica.cpu_s() - before
    warcs = sorted(directory.glob("*.warc.gz"))
    urls, stories = read_responses(warcs)
    return CrawlResult(measurement, mirror_cpu, len(urls), sum(stories.values()),
                       set(stories), _size(warcs))


def run_crawl(replica: Replica, workdir: Path, jobs: int, extra: list[str]) -> CrawlResult:
    out = workdir / "crawl"
    settings = {**REPLICA_CRAWL_SETTINGS, "LOG_FILE": str(workdir / "crawl-scrapy.log")}
    if jobs:
        settings["EXTRACTION_JOBS"] = str(jobs)
    settings.update(pair.split("=", 1) for pair in extra)
    command = [*CLI, "crawl", "--proxy", replica.proxy, "--out", str(out),
               *setting_args(settings)]
    before = replica.cpu_s()
    measurement = measure(command, log=workdir / "crawl.log", classify=crawl_role)
    mirror_cpu = replica.cpu_s() - before
    stats = json.loads(max((out / "runs").glob("*.json")).read_text())
    warcs = sorted((out / "warc").rglob("*.warc.gz"))
    urls, stories = read_responses(warcs)
    extra = {
        "records": stats.get("extraction/records", 0),
        "scrapy_elapsed_s": stats.get("elapsed_time_seconds", 0),
        "warcs": [str(p) for p in warcs],
        "urls": urls,
    }
    return CrawlResult(measurement, mirror_cpu, len(urls), sum(stories.values()),
                       set(stories), _size(warcs), extra)


@dataclass
class BaselineResult:
    measurement: Measurement
    responses: int

    @property
    def pages_per_s(self) -> float:
        return self.responses / self.measurement.wall_s

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.measurement.cpu_s / max(self.responses, 1)


def run_naive(replica: Replica, workdir: Path, max_pages: int) -> BaselineResult:
    domains = ",".join(sorted(profile.NETWORK_DOMAINS))
    starts = [f"http://www.{site}{profile.HOME_PATH}" for site in profile.SITES]
    return _run_baseline("naive", replica, workdir, "--domains", domains,
                         "--max-pages", str(max_pages), *starts)


def run_scrapy_floor(replica: Replica, workdir: Path, crawl: CrawlResult) -> BaselineResult:
    urls = workdir / "crawl-urls.txt"
    urls.write_text("".join(f"{url}\n" for url in crawl.extra["urls"]))
    return _run_baseline("floor", replica, workdir, "--urls", str(urls))


def _run_baseline(mode: str, replica: Replica, workdir: Path, *args: str) -> BaselineResult:
    stats = workdir / f"scrapy-{mode}.json"
    measurement = measure(
        [*BASELINES, mode, "--proxy", replica.proxy, "--stats", str(stats), *args],
        log=workdir / f"scrapy-{mode}.log",
    )
    return BaselineResult(measurement, json.loads(stats.read_text())["response_received_count"])


def read_responses(warcs: Iterable[Path]) -> tuple[list[str], dict[str, int]]:
    """The URLs of the response records, in order, and how many of them are 200 answers
    on each story URL."""
    from urllib.parse import urlsplit

    from warcio.archiveiterator import ArchiveIterator

    urls: list[str] = []
    stories: dict[str, int] = {}
    for path in warcs:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                urls.append(url)
                parts = urlsplit(url)
                ok = record.http_headers and record.http_headers.get_statuscode() == "200"
                if ok and profile.is_network_host(parts.hostname or "") and \
                        profile.is_article_path(parts.path):
                    key = profile.canonical_host(parts.hostname) + parts.path
                    stories[key] = stories.get(key, 0) + 1
    return urls, stories


def _size(paths: Iterable[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


@dataclass
class ExtractResult:
    jobs: int
    pages: int
    measurement: Measurement
    startup_s: float
    startup_cpu_s: float

    @property
    def cpu_ms_per_page(self) -> float:
        """CPU of every process, start-up taken off (unless it is most of the run)."""
        cpu_s = self.measurement.cpu_s - self.startup_cpu_s
        if cpu_s < STARTUP_NOISE_SHARE * self.measurement.cpu_s:
            cpu_s = self.measurement.cpu_s
        return 1000 * cpu_s / max(self.pages, 1)

    @property
    def pages_per_s(self) -> float:
        """Pages/s with start-up taken off; the gross rate when start-up is most of
        the run (a tiny run on a loaded machine), where the difference is only noise."""
        net_s = self.measurement.wall_s - self.startup_s
        if net_s < STARTUP_NOISE_SHARE * self.measurement.wall_s:
            return self.gross_pages_per_s
        return self.pages / net_s

    @property
    def gross_pages_per_s(self) -> float:
        return self.pages / self.measurement.wall_s


def run_extract(warcs: list[str], workdir: Path, jobs: int, startup_warc: Path) -> ExtractResult:
    name = f"extract-{jobs}"
    startup = measure(
        [*CLI, "extract", str(startup_warc), "-o", str(workdir / f"{name}-startup.jsonl"),
         "--jobs", str(jobs)],
        log=workdir / f"{name}-startup.log",
    )
    measurement = measure(
        [*CLI, "extract", *warcs, "-o", str(workdir / f"{name}.jsonl"), "--jobs", str(jobs)],
        log=workdir / f"{name}.log", classify=crawl_role,
    )
    found = ARTICLE_PAGES.search((workdir / f"{name}.log").read_text())
    pages = int(found[1]) if found else 0
    return ExtractResult(jobs, pages, measurement, startup.wall_s, startup.cpu_s)


def write_startup_warc(path: Path) -> Path:
    """A WARC holding one empty page at a story URL: what ``extract`` costs to start
    (interpreter, imports and, with ``--jobs 2``, a worker that imports trafilatura)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "bench"}))
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"http://www.{profile.SITES[0]}/reports/Start_Up_999.html", "response",
            payload=BytesIO(b"<html><body></body></html>"), http_headers=headers,
        ))
    return path


def bare_trafilatura(warcs: list[str], sample: int) -> dict:
    """``trafilatura.extract`` over the extractor's pages in this process: pages/s with
    its defaults (the ceiling) and with metadata + JSON output (the usual setup).

    At most ``sample`` pages, spread evenly over the WARC files (every k-th page)."""
    import trafilatura

    from crawler.extraction.decoding import content_decode, decode_html
    from crawler.extraction.warcs import ExtractSummary, iter_captures

    captures = list(iter_captures(warcs, ExtractSummary()))
    step = max(1, math.ceil(len(captures) / sample))
    pages = []
    for capture in captures[::step]:
        headers = {k.lower(): v for k, v in capture.headers}
        body = content_decode(capture.payload, headers.get("content-encoding"))
        pages.append((capture.url, decode_html(body, headers.get("content-type"))[0]))
    trafilatura.extract(pages[0][1])  # first-call set-up outside the timing
    plain = _rates(pages, lambda url, page: trafilatura.extract(page, url=url))
    metadata = _rates(pages, lambda url, page: trafilatura.extract(
        page, url=url, with_metadata=True, output_format="json"))
    return {"pages": len(pages), "pages_per_s": plain[0], "cpu_ms_per_page": plain[1],
            "metadata_pages_per_s": metadata[0], "metadata_cpu_ms_per_page": metadata[1]}


def _rates(pages, extract) -> tuple[float, float]:
    """(pages per second of wall-clock time, CPU ms per page)."""
    started, cpu = time.perf_counter(), time.process_time()
    for url, page in pages:
        extract(url, page)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return len(pages) / wall, 1000 * cpu / len(pages)


# -- figures --------------------------------------------------------------------------

def figures(stories: int, per_site: int, wget: CrawlResult, crawl: CrawlResult,
            naive: BaselineResult, floor: BaselineResult,
            one: ExtractResult, two: ExtractResult, bare: dict) -> dict:
    w, c = wget.measurement, crawl.measurement
    main_cpu_ms_per_response = 1000 * c.sampled_cpu_s_of("main") / crawl.responses
    # The floor fetched the crawl's URLs, so the crawl's story pages among them.
    floor_stories_per_s = crawl.story_pages / floor.measurement.wall_s
    stories_per_s = crawl.story_pages / c.wall_s
    wget_stories_per_s = wget.story_pages / w.wall_s
    main_mb, worker_mb = c.peak_mb("main"), c.peak_mb("worker")
    return {
        "machine_cores": os.cpu_count(),
        "load_avg_1m_before": [_r(m.load_before) for m in (
            w, c, naive.measurement, floor.measurement, one.measurement, two.measurement)],
        "stories_requested": stories,
        "articles_per_site": per_site,
        # wget
        "wget_pages": wget.responses,
        "wget_story_pages": wget.story_pages,
        "wget_wall_s": _r(w.wall_s),
        "wget_pages_per_s": _r(wget.responses / w.wall_s),
        "wget_stories_per_s": _r(wget_stories_per_s),
        "wget_cpu_ms_per_page": _r(1000 * w.cpu_s / wget.responses),
        "wget_peak_rss_mb": _r(w.time_max_rss_kb / 1024),
        "wget_warc_bytes": wget.warc_bytes,
        "wget_mirror_cpu_ms_per_page": _r(1000 * wget.mirror_cpu_s / wget.responses),
        # the crawl
        "pages": crawl.responses,
        "story_pages": crawl.story_pages,
        "stories_missed_vs_wget": len(wget.story_urls - crawl.story_urls),
        "records": crawl.extra["records"],
        "crawl_wall_s": _r(c.wall_s),
        "crawl_scrapy_elapsed_s": _r(crawl.extra["scrapy_elapsed_s"]),
        "stories_per_s": _r(stories_per_s),
        "pages_per_s": _r(crawl.responses / c.wall_s),
        "ratio_to_wget": _r(stories_per_s / wget_stories_per_s),
        "pages_ratio_to_wget": _r(crawl.responses / c.wall_s / (wget.responses / w.wall_s)),
        "cpu_ms_per_story": _r(1000 * c.cpu_s / crawl.story_pages),
        "cpu_ms_per_page": _r(1000 * c.cpu_s / crawl.responses),
        "cpu_s_time": _r(c.cpu_s),
        "cpu_s_sampled": _r(c.sampled_cpu_s),
        # Where the CPU goes: the crawl's own process per response (the bottleneck), and
        # the extraction workers per story page.
        "cpu_ms_per_response_main": _r(main_cpu_ms_per_response),
        "cpu_ms_per_story_workers": _r(1000 * c.sampled_cpu_s_of("worker") / crawl.story_pages),
        "cpu_ratio_to_wget": _r((c.cpu_s / crawl.responses) / (w.cpu_s / wget.responses)),
        "peak_rss_mb": _r(c.peak_total_rss_kb / 1024),
        "peak_rss_main_mb": _r(main_mb),
        "peak_rss_worker_mb": _r(worker_mb),
        "time_max_rss_mb": _r(c.time_max_rss_kb / 1024),
        "extraction_workers": sum(1 for p in c.processes.values() if p.name == "worker"),
        "warc_bytes": crawl.warc_bytes,
        "warc_ratio_to_wget": _r(crawl.warc_bytes / wget.warc_bytes),
        "mirror_cpu_ms_per_page": _r(1000 * crawl.mirror_cpu_s / crawl.responses),
        # plain Scrapy on the same replica
        "naive_pages": naive.responses,
        "naive_pages_per_s": _r(naive.pages_per_s),
        "naive_cpu_ms_per_page": _r(naive.cpu_ms_per_page),
        "naive_peak_rss_mb": _r(naive.measurement.time_max_rss_kb / 1024),
        "ratio_to_naive": _r(crawl.responses / c.wall_s / naive.pages_per_s),
        "scrapy_floor_pages": floor.responses,
        "scrapy_floor_pages_per_s": _r(floor.pages_per_s),
        "scrapy_floor_stories_per_s": _r(floor_stories_per_s),
        "ratio_to_scrapy_floor": _r(stories_per_s / floor_stories_per_s),
        "scrapy_floor_cpu_ms_per_page": _r(floor.cpu_ms_per_page),
        "main_cpu_ratio_to_scrapy_floor": _r(main_cpu_ms_per_response / floor.cpu_ms_per_page),
        # extraction
        "extract_pages": one.pages,
        "extract_1_job_pages_per_s": _r(one.pages_per_s),
        "extract_2_jobs_pages_per_s": _r(two.pages_per_s),
        "extract_1_job_gross_pages_per_s": _r(one.gross_pages_per_s),
        "extract_2_jobs_gross_pages_per_s": _r(two.gross_pages_per_s),
        "extract_startup_s": [_r(one.startup_s), _r(two.startup_s)],
        "extract_scaling_2_jobs": _r(two.pages_per_s / one.pages_per_s),
        "extract_cpu_ms_per_page_1_job": _r(one.cpu_ms_per_page),
        "extract_cpu_ms_per_page_2_jobs": _r(two.cpu_ms_per_page),
        # What two idle cores would give: the CPU the 2-job run needs, spread evenly.
        "extract_scaling_2_jobs_cpu_bound": _r(2 * one.cpu_ms_per_page / two.cpu_ms_per_page),
        "trafilatura_pages": bare["pages"],
        "trafilatura_pages_per_s": _r(bare["pages_per_s"]),
        "trafilatura_cpu_ms_per_page": _r(bare["cpu_ms_per_page"]),
        "trafilatura_metadata_pages_per_s": _r(bare["metadata_pages_per_s"]),
        "trafilatura_metadata_cpu_ms_per_page": _r(bare["metadata_cpu_ms_per_page"]),
        "extract_vs_trafilatura": _r(one.pages_per_s / bare["pages_per_s"]),
        "extract_vs_trafilatura_cpu": _r(bare["cpu_ms_per_page"] / one.cpu_ms_per_page),
    }


def _r(value: float) -> float:
    return round(value, 3 if abs(value) < 10 else 1)


def report(result: dict) -> str:
    rows = [
        ("", "wget", "news-archive crawl"),
        ("pages (responses)", result["wget_pages"], result["pages"]),
        ("story pages", result["wget_story_pages"], result["story_pages"]),
        ("wall s", result["wget_wall_s"], result["crawl_wall_s"]),
        ("pages/s", result["wget_pages_per_s"], result["pages_per_s"]),
        ("stories/s", result["wget_stories_per_s"], result["stories_per_s"]),
        ("CPU ms/page", result["wget_cpu_ms_per_page"], result["cpu_ms_per_page"]),
        ("peak RSS MB", result["wget_peak_rss_mb"],
         f"{result['peak_rss_mb']} (main {result['peak_rss_main_mb']}, "
         f"worker {result['peak_rss_worker_mb']})"),
        ("WARC bytes", result["wget_warc_bytes"], result["warc_bytes"]),
        ("mirror CPU ms/page", result["wget_mirror_cpu_ms_per_page"],
         result["mirror_cpu_ms_per_page"]),
    ]
    lines = [f"{a:<20} {b!s:>14}  {c!s}" for a, b, c in rows]
    lines += [
        f"crawl CPU ms/story (all processes): {result['cpu_ms_per_story']} (main process "
        f"{result['cpu_ms_per_response_main']} per response, workers "
        f"{result['cpu_ms_per_story_workers']} per story); "
        f"ratio to wget (stories/s): {result['ratio_to_wget']}; "
        f"JSONL records: {result['records']}",
        f"extract: 1 job {result['extract_1_job_pages_per_s']} pages/s, 2 jobs "
        f"{result['extract_2_jobs_pages_per_s']} pages/s (x{result['extract_scaling_2_jobs']}); "
        f"bare trafilatura.extract {result['trafilatura_pages_per_s']} pages/s "
        f"(with metadata {result['trafilatura_metadata_pages_per_s']}); "
        f"1 job / bare = {result['extract_vs_trafilatura']}",
        f"extract CPU ms/page: 1 job {result['extract_cpu_ms_per_page_1_job']}, 2 jobs "
        f"{result['extract_cpu_ms_per_page_2_jobs']} (scaling on 2 idle cores at most "
        f"x{result['extract_scaling_2_jobs_cpu_bound']}); bare trafilatura "
        f"{result['trafilatura_cpu_ms_per_page']} (with metadata "
        f"{result['trafilatura_metadata_cpu_ms_per_page']})",
        f"plain Scrapy: naive spider, trafilatura inline: {result['naive_pages_per_s']} "
        f"pages/s, {result['naive_cpu_ms_per_page']} CPU ms/page over "
        f"{result['naive_pages']} pages (crawl pages/s over it: {result['ratio_to_naive']}); "
        f"floor, fetching the crawl's {result['scrapy_floor_pages']} URLs and nothing else: "
        f"{result['scrapy_floor_pages_per_s']} pages/s "
        f"({result['scrapy_floor_stories_per_s']} stories/s; the crawl's over it: "
        f"{result['ratio_to_scrapy_floor']}), {result['scrapy_floor_cpu_ms_per_page']} CPU "
        f"ms/page (the crawl's main process per response over it: "
        f"{result['main_cpu_ratio_to_scrapy_floor']})",
        f"load average (1 min) before wget, crawl, naive, floor, extract 1, extract 2: "
        f"{result['load_avg_1m_before']} on {result['machine_cores']} cores",
        "targets: " + ", ".join(
            f"{name} {op} {bound}: {'met' if _meets(result[name], op, bound) else 'MISSED'}"
            for name, (op, bound) in TARGETS.items()
        ) + _size_caveat(result["stories_requested"]),
    ]
    return "\n".join(lines)


def _size_caveat(stories: int) -> str:
    if stories >= TARGET_STORIES:
        return ""
    return (f" (the crawl's targets are set at {TARGET_STORIES:,} stories: "
            f"make bench STORIES={TARGET_STORIES})")


def _meets(value: float, op: str, bound: float) -> bool:
    return {">=": value >= bound, "<=": value <= bound, "<": value < bound}[op]


# -- main -----------------------------------------------------------------------------

def check_tools() -> None:
    if not Path(TIME).is_file() or not os.access(TIME, os.X_OK):
        raise MissingTool(f"GNU time is needed at {TIME} (Debian/Ubuntu: apt-get install time)")
    if shutil.which("wget") is None:
        raise MissingTool("wget is needed and is not on PATH (Debian/Ubuntu: apt-get install wget)")
    if not Path("/proc/self/status").exists():
        raise MissingTool("/proc is needed (Linux) to measure memory of each process")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=1000,
                        help="stories in the replica (default 1000; the issue's sizes: "
                             "1000 and 20000)")
    parser.add_argument("--jobs", type=int, default=0,
                        help="extraction workers of the crawl (default 0: the crawl's default)")
    parser.add_argument("-s", "--setting", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="extra Scrapy setting for the crawl (repeatable), to measure "
                             "a change without editing the project")
    parser.add_argument("--ceiling-sample", type=int, default=1000, metavar="PAGES",
                        help="pages given to bare trafilatura (spread evenly over the "
                             "crawl's story pages; default 1000)")
    parser.add_argument("--naive-pages", type=int, default=2000, metavar="PAGES",
                        help="responses the naive Scrapy spider fetches before it stops "
                             "(default 2000; it runs trafilatura inline and is slow)")
    parser.add_argument("--workdir", type=Path,
                        help="keep WARCs, logs and JSONL here (default: a temporary "
                             "directory, removed at the end)")
    args = parser.parse_args(argv)
    if args.stories < 3:
        parser.error("--stories must be at least 3 (one per site)")
    if any("=" not in pair for pair in args.setting):
        parser.error("-s expects NAME=VALUE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_tools()
    except MissingTool as missing:
        print(f"crawl_vs_wget: cannot run: {missing}", file=sys.stderr)
        return EXIT_MISSING_TOOL
    per_site = math.ceil(args.stories / len(profile.SITES))
    scratch = None if args.workdir else tempfile.mkdtemp(prefix="news-archive-bench-")
    workdir = args.workdir or Path(scratch)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = run_all(args, per_site, workdir)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    print(report(result), flush=True)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0


def run_all(args: argparse.Namespace, per_site: int, workdir: Path) -> dict:
    print(f"replica: {per_site} stories per site; work directory {workdir}", flush=True)
    replica = Replica(per_site)
    try:
        print("wget ...", flush=True)
        wget = run_wget(replica, workdir)
        print("news-archive crawl ...", flush=True)
        crawl = run_crawl(replica, workdir, args.jobs, args.setting)
        print("plain Scrapy: a naive spider, the floor ...", flush=True)
        naive = run_naive(replica, workdir, args.naive_pages)
        floor = run_scrapy_floor(replica, workdir, crawl)
    finally:
        replica.stop()
    startup = write_startup_warc(workdir / "startup.warc.gz")
    print("news-archive extract --jobs 1, --jobs 2, bare trafilatura ...", flush=True)
    one = run_extract(crawl.extra["warcs"], workdir, 1, startup)
    two = run_extract(crawl.extra["warcs"], workdir, 2, startup)
    bare = bare_trafilatura(crawl.extra["warcs"], args.ceiling_sample)
    return figures(args.stories, per_site, wget, crawl, naive, floor, one, two, bare)


if __name__ == "__main__":
    sys.exit(main())
