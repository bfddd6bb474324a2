"""`news-archive crawl`: crawl the network into WARC files (the command for cron).

Runs the `network` spider in this process with the project settings
(:mod:`crawler.settings`) plus the options given here; ``-s NAME=VALUE`` overrides any
Scrapy setting, as with ``scrapy crawl``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 64
#: Finish reasons of a crawl that did what was asked.
COMPLETE_REASONS = frozenset({"finished", "closespider_pagecount"})


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="crawl the network's sites into WARC files",
        description=(
            "Crawl the SpaceDaily network sites (home pages, section listings, feeds, "
            "stories and their page requisites) and archive every HTTP exchange into "
            "WARC files under OUT/warc/. Polite by default: robots.txt obeyed, "
            "AutoThrottle on, one request at a time per host."
        ),
    )
    add_crawl_arguments(parser)
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
        "--proxy", metavar="URL", help="send every request through this HTTP proxy",
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
    stats = run_crawl(overrides)
    reason = stats.get("finish_reason")
    return EXIT_OK if reason in COMPLETE_REASONS else EXIT_FAILED


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
    overrides.update(parse_setting_pairs(args.settings))
    return overrides


def parse_setting_pairs(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"-s expects NAME=VALUE, got {pair!r}")
        settings[name.strip()] = value
    return settings


def run_crawl(overrides: dict[str, Any]) -> dict[str, Any]:
    """Run the `network` spider to the end in this process; returns its stats.

    The stats are also written to ``ARCHIVE_DIR/runs/<run id>.json``.
    """
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.runs import OutputLayout

    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("network")
    process.crawl(crawler)
    process.start()
    stats = dict(crawler.stats.get_stats())
    stats["run_id"] = settings.get("ARCHIVE_RUN_ID")
    write_run_stats(OutputLayout.from_settings(settings).runs_dir, stats)
    return stats


def write_run_stats(runs_dir: Path, stats: dict[str, Any]) -> Path:
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / f"{stats['run_id']}.json"
    path.write_text(json.dumps(stats, indent=2, sort_keys=True, default=str) + "\n")
    return path


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value
