"""`news-archive crawl`: crawl the network into WARC files (the command for cron).

Runs the `network` spider in this process with the project settings
(:mod:`crawler.settings`) plus the options given here; ``-s NAME=VALUE`` overrides any
Scrapy setting, as with ``scrapy crawl``. Holds the lock on the output directory for
the whole run (:class:`crawler.runs.OutputLock`), logs to ``OUT/logs/<run-id>.log``,
writes the run's stats to ``OUT/runs/<run-id>.json`` and prints a summary.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.layout import ArchiveDir
from crawler.distributed import options as distributed
from crawler.extraction.outcomes import ARTICLE_OUTCOMES
from crawler.runs import (
    EXIT_CODES_HELP,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    DirectoryLocked,
    OutputLock,
    mark_killed_runs,
    started_stats,
    write_run_stats,
)

#: Finish reasons of a crawl that did what was asked.
COMPLETE_REASONS = frozenset({"finished", "closespider_pagecount"})
#: Finish reasons of a crawl stopped before its end on request (SIGTERM/SIGINT).
PARTIAL_REASONS = frozenset({"shutdown"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="crawl the network's sites into WARC files",
        description=(
            "Crawl the SpaceDaily network sites (home pages, section listings, feeds, "
            "stories and their page requisites) and archive every HTTP exchange into "
            "WARC files under OUT/warc/, and new or changed stories into JSONL under "
            "OUT/jsonl/. Polite by default: robots.txt obeyed, AutoThrottle on, one "
            "request at a time per host. Safe to start from cron: one run at a time per "
            "OUT, incremental (archived stories are fetched again, conditionally, only when "
            "due: see --refresh-after), and a run killed at any moment is mended by the next."
        ),
        epilog=EXIT_CODES_HELP
        + "\nfiles: OUT/logs/<run-id>.log (log), OUT/runs/<run-id>.json (stats), "
        "OUT/state.sqlite3 (state), OUT/.lock (lock)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_crawl_arguments(parser)
    distributed.add_arguments(parser)
    parser.set_defaults(handler=run)


def add_crawl_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site", action="append", default=[], metavar="NAME",
        help="site to crawl, e.g. spacewar.com (repeatable; default: the profile's sites)",
    )
    parser.add_argument(
        "--out", default="archive-out", metavar="DIR",
        help="output directory; WARC files go to DIR/warc/ (default ./archive-out)",
    )
    parser.add_argument(
        "--proxy", type=_proxy_url, metavar="URL",
        help="send every request through this HTTP proxy (http://HOST:PORT)",
    )
    parser.add_argument(
        "--max-pages", type=_positive, metavar="N",
        help="stop after about N responses (Scrapy's CLOSESPIDER_PAGECOUNT)",
    )
    parser.add_argument(
        "--no-requisites", action="store_true",
        help="do not fetch page requisites (story images, stylesheets)",
    )
    parser.add_argument(
        "--start-url", action="append", default=[], metavar="URL",
        help="extra entry point, requested exactly as given (repeatable)",
    )
    parser.add_argument(
        "--refresh-after", type=_non_negative, metavar="DAYS",
        help="fetch stories (and requisites) archived more than DAYS days ago again, with "
        "a conditional request (0: every run; inf: never; default: adaptive, stories "
        "only, from daily for stories edited lately to every 180 to 270 days)",
    )
    parser.add_argument(
        "--quiet", action="store_true",
        help="for cron: only warnings and errors on stderr, no summary unless the run failed",
    )
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
        help="override a Scrapy setting (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    from crawler.spiders.network import resolve_sites

    try:
        overrides = settings_from_args(args)
        sites = overrides.get("ARCHIVE_SITES", [])
        resolve_sites(sites.split(",") if isinstance(sites, str) else sites)
    except ValueError as error:  # SiteSelectionError included
        print(f"news-archive crawl: {error}", file=sys.stderr)
        return EXIT_USAGE
    except distributed.RedisUnavailable as error:
        print(f"news-archive crawl: {error}", file=sys.stderr)
        return EXIT_LOCKED
    try:
        stats = run_crawl(overrides, quiet=args.quiet)
    except DirectoryLocked as error:
        print(f"news-archive crawl: {error}", file=sys.stderr)
        return EXIT_LOCKED
    code = stats["exit_code"]
    if not args.quiet or code != EXIT_OK:
        print(summary(stats))
    return code


def exit_code(stats: dict[str, Any]) -> int:
    reason = stats.get("finish_reason")
    if nothing_answered(stats) or extraction_failed(stats):
        return EXIT_FAILED
    if reason in COMPLETE_REASONS:
        return EXIT_OK
    return EXIT_PARTIAL if reason in PARTIAL_REASONS else EXIT_FAILED


def nothing_answered(stats: dict[str, Any]) -> bool:
    """Every download failed without a response (a dead proxy, site or network): a run
    that archived nothing must not look like a quiet night to cron."""
    return not stats.get("archive/responses") and bool(stats.get("archive/no_response"))


def extraction_failed(stats: dict[str, Any]) -> bool:
    """Pages were sent to extraction and none became a record (the workers could not
    start or kept dying): the archive holds them, the dataset does not."""
    extracted = sum(stats.get(f"extraction/{outcome}", 0) for outcome in ARTICLE_OUTCOMES)
    return bool(stats.get("extraction/errors")) and not extracted


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Settings overrides from the command line (``-s`` pairs win over options)."""
    overrides: dict[str, Any] = {"ARCHIVE_DIR": str(Path(args.out))}
    if args.site:
        overrides["ARCHIVE_SITES"] = list(args.site)
    if args.proxy:
        overrides["PROXY_URL"] = args.proxy
    if args.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = args.max_pages
    if args.no_requisites:
        overrides["ARCHIVE_REQUISITES"] = False
    if args.start_url:
        overrides["ARCHIVE_START_URLS"] = list(args.start_url)
    if args.refresh_after is not None:
        overrides["REFRESH_AFTER_DAYS"] = args.refresh_after
    given = parse_setting_pairs(args.settings)
    overrides.update(distributed.distributed_settings(args, given))
    overrides.update(given)
    return overrides


def parse_setting_pairs(pairs: list[str]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs; a value the setting's type cannot take is a ValueError
    now, not a traceback from inside the crawl."""
    if not pairs:
        return {}
    from crawler.process import project_settings

    defaults = project_settings()
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"-s expects NAME=VALUE, got {pair!r}")
        if name not in defaults:
            print(f"news-archive crawl: warning: -s {name}: not a setting of Scrapy or of "
                  "this project (misspelt?); passed on as given", file=sys.stderr)
        _check_type(name, value, defaults.get(name))
        settings[name] = value
    return settings


def _check_type(name: str, value: str, default: Any) -> None:
    """Settings whose default is a boolean or a number take only such values."""
    from scrapy.settings import BaseSettings

    try:
        if isinstance(default, bool):
            BaseSettings({name: value}).getbool(name)
        elif isinstance(default, int | float):
            float(value)
    except ValueError:
        kind = "true or false" if isinstance(default, bool) else "a number"
        raise ValueError(
            f"-s {name}={value}: {name} takes {kind} (default: {default!r})"
        ) from None


def run_crawl(overrides: dict[str, Any], quiet: bool = False) -> dict[str, Any]:
    """Run the `network` spider to the end in this process; returns its stats, with the
    run id, the exit code and a ``summary`` of the counts that matter.

    The run holds the lock on ``ARCHIVE_DIR`` throughout (:class:`DirectoryLocked` when
    another crawl has it: nothing is done). The log goes to
    ``ARCHIVE_DIR/logs/<run id>.log`` (and to stderr: warnings only when ``quiet``); the
    stats to ``ARCHIVE_DIR/runs/<run id>.json``, written as the run starts and again at
    its end. Runs whose stats file never got its end are marked killed.
    """
    from crawler.addons import RunIdentity
    from crawler.process import project_settings
    from crawler.runs import archive_dir

    settings = project_settings()
    settings.setdict(overrides, priority="cmdline")
    RunIdentity().update_settings(settings)  # the log and stats files are named by it
    if quiet:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    layout = archive_dir(settings)
    with OutputLock(layout.lock_path):
        return _run_locked(settings, layout, quiet)


def _run_locked(settings, layout: ArchiveDir, quiet: bool) -> dict[str, Any]:
    from crawler.process import GracefulCrawlerProcess

    run_id = settings.get("ARCHIVE_RUN_ID")
    log_file = layout.logs_dir / f"{run_id}.log"
    stats_file = layout.runs_dir / f"{run_id}.json"
    log_handler = _run_log_handler(log_file, settings)
    try:
        killed = mark_killed_runs(layout, run_id)
        write_run_stats(stats_file, started_stats(run_id, log_file, stats_file))
    except OSError as error:  # disk full: the crawl meets it too, and stops cleanly
        killed = []
        logging.getLogger(__name__).error("Could not write the stats file: %s", error)
    try:
        process = GracefulCrawlerProcess(settings)
        crawler = process.create_crawler("network")
        process.crawl(crawler)
        process.start()
    finally:
        logging.root.removeHandler(log_handler)
        log_handler.close()
    stats = dict(crawler.stats.get_stats())
    stats["run_id"] = run_id
    stats["log_file"] = str(log_file)
    stats["stats_file"] = str(stats_file)
    stats["killed_runs_found"] = killed
    stats["exit_code"] = exit_code(stats)
    stats["summary"] = run_summary(stats)
    try:
        write_run_stats(stats_file, stats)
    except OSError as error:  # disk full: the summary still goes to stdout
        print(f"news-archive crawl: could not write the stats file: {error}", file=sys.stderr)
    return stats


def _run_log_handler(path: Path, settings) -> logging.Handler:
    """A log file of this run, at ``LOG_LEVEL`` (INFO even when stderr is quiet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
    )
    logging.root.addHandler(handler)
    return handler


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix):]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def run_summary(stats: dict[str, Any]) -> dict[str, Any]:
    """The counts a person (or a monitoring script) looks at after a run."""
    get = stats.get
    return {
        "exit_code": get("exit_code"),
        "finish_reason": get("finish_reason"),
        "duration_seconds": round(get("elapsed_time_seconds", 0), 1),
        "responses": get("archive/responses", 0),
        "responses_by_status": _prefixed(stats, "archive/status/"),
        "responses_by_kind": _prefixed(stats, "archive/responses/"),
        "full_records": get("archive/full_records", 0),
        "revisits": _prefixed(stats, "archive/revisits/"),
        "payload_bytes": get("archive/payload_bytes", 0),
        "stories": {
            "new": get("stories/new", 0),
            "changed": get("stories/changed", 0),
            "new_copies": get("stories/new_copies", 0),
            "unchanged": get("stories/unchanged", 0),
            "kept_without_fetching": get("state/kept/story", 0),
        },
        "jsonl_lines": get("extraction/records", 0),
        "errors": {
            "no_response": _prefixed(stats, "archive/no_response/"),
            "gave_up": _prefixed(stats, "spider/gave_up/"),
            "retries": _prefixed(stats, "retry/reason_count/"),
            "truncated": _prefixed(stats, "archive/truncated/"),
            "write_error": get("archive/write_error"),
            "extraction": get("extraction/errors", 0),
            "extraction_worker_restarts": get("extraction/worker_restarts", 0),
        },
        "robots_unreachable": get("robotstxt/unreachable", 0),
        "drift_warnings": get("extraction/drift", 0),
        "killed_runs_found": get("killed_runs_found", []),
        "mended": {"warc_files": get("archive/mended_files", 0),
                   "jsonl_files": get("archive/mended_jsonl", 0)},
        "followed_again": _prefixed(stats, "state/followed_again/"),
    }


def summary(stats: dict[str, Any]) -> str:
    """One screen: what the run did, what went wrong, where its files are."""
    out = stats.get("extraction/jsonl")
    files = (f"  log: {stats['log_file']}, stats: {stats['stats_file']}"
             + (f", JSONL: {out}" if out else ""))
    return "\n".join([*_totals_lines(stats), *_problem_lines(stats),
                      *_recovery_lines(stats["summary"]), files])


def _totals_lines(stats: dict[str, Any]) -> list[str]:
    s = stats["summary"]
    stories = s["stories"]
    statuses = ", ".join(f"{code}: {n}" for code, n in s["responses_by_status"].items())
    revisits = sum(s["revisits"].values())
    return [
        f"news-archive crawl: run {stats['run_id']} ended: {s['finish_reason']} "
        f"(exit code {s['exit_code']}) after {s['duration_seconds']} s",
        f"  responses archived: {s['responses']} ({statuses or 'none'}); "
        f"{s['full_records']} full records, {revisits} revisits, "
        f"{s['payload_bytes'] / 1e6:.1f} MB of payload",
        f"  stories: {stories['new']} new, {stories['changed']} changed and "
        f"{stories['new_copies']} with a new copy (new versions), "
        f"{stories['unchanged']} story pages fetched again unchanged, "
        f"{stories['kept_without_fetching']} story pages archived before and not fetched",
        f"  JSONL lines this run: {s['jsonl_lines']}",
    ]


def _problem_lines(stats: dict[str, Any]) -> list[str]:
    """Failed downloads, cut bodies, write and extraction errors, layout drift."""
    s = stats["summary"]
    errors = s["errors"]
    lines = []
    no_response = sum(errors["no_response"].values())
    gave_up = sum(errors["gave_up"].values())
    if no_response or gave_up:
        kinds = ", ".join(f"{k}: {v}" for k, v in errors["no_response"].items())
        lines.append(f"  errors: {no_response} downloads without response ({kinds}); "
                     f"gave up on {gave_up} page(s)")
    if errors["truncated"]:
        kinds = ", ".join(f"{k}: {v}" for k, v in errors["truncated"].items())
        lines.append(f"  bodies cut short: {sum(errors['truncated'].values())} response(s) "
                     f"archived with WARC-Truncated ({kinds})")
    if s["robots_unreachable"]:
        lines.append(f"  robots.txt unreachable on {s['robots_unreachable']} host(s): nothing "
                     f"of theirs fetched this run (RFC 9309); the next run tries again")
    if nothing_answered(stats):
        lines.append("  NOTHING ARCHIVED: no download got a response (is the site, or the "
                     "--proxy, reachable?)")
    if errors["write_error"]:
        lines.append(f"  WRITE ERROR: {errors['write_error']}")
    if errors["extraction"]:
        lines.append(
            ("  EXTRACTION FAILED" if extraction_failed(stats) else "  extraction errors")
            + f": {errors['extraction']} page(s) archived but not extracted "
            f"({errors['extraction_worker_restarts']} worker restart(s)); the next run "
            "fetches their stories again (see the log)")
    if s["drift_warnings"]:
        lines.append(f"  layout drift: {s['drift_warnings']} article page(s) not recognised, "
                     "or without a dateline (see the log)")
    return lines


def _recovery_lines(s: dict[str, Any]) -> list[str]:
    """What this run found and repaired of runs that ended early."""
    lines = []
    if s["killed_runs_found"]:
        lines.append(f"  found killed before their end: run(s) {', '.join(s['killed_runs_found'])}"
                     " (their stats files now say so)")
    if s["mended"]["warc_files"] or s["mended"]["jsonl_files"]:
        lines.append(f"  mended after an earlier crash: {s['mended']['warc_files']} WARC, "
                     f"{s['mended']['jsonl_files']} JSONL file(s)")
    again = s["followed_again"]
    if again:
        damaged = again.get("unreadable_files", 0)
        lines.append(f"  links left by runs that stopped early: read from {again.get('pages', 0)} "
                     f"page(s) in {again.get('files', 0)} WARC file(s)"
                     + (f"; {damaged} file(s) DAMAGED (see the log)" if damaged else ""))
    return lines


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def _proxy_url(text: str) -> str:
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {text!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.netloc.endswith(":"):
        raise argparse.ArgumentTypeError(f"expected http://HOST[:PORT], not {text!r}")
    return text


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value
