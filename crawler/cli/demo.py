"""`news-archive demo`: serve the offline replica, crawl it, and show what was archived.

Starts `news-archive mirror` on an ephemeral port of 127.0.0.1, crawls it through that
proxy into ``--out`` (politeness limits lifted for the local replica only, robots.txt
still obeyed), stops the replica and prints a summary. Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.runs import EXIT_FAILED, EXIT_OK, DirectoryLocked
from mirror.process import REPLICA_SETTINGS, MirrorProcess

OPERATOR = "news-archive demo (offline replica)"

KIND_LABELS = (
    ("story", "story pages (a story published on two sites counts twice)"),
    ("hub", "home pages and section listings"),
    ("feed", "feeds"),
    ("requisite", "page requisites (images, stylesheets)"),
    ("robots", "robots.txt"),
    ("other", "other"),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="serve the offline replica, crawl it into DIR and show what was archived",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "--out", default="demo-archive", metavar="DIR",
        help="output directory (default ./demo-archive)",
    )
    parser.add_argument(
        "--articles-per-site", type=int, default=40, metavar="N",
        help="stories per site in the replica (default 40)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from archive.layout import ArchiveDir
    from crawler.cli.crawl import run_crawl

    out = Path(args.out)
    layout = ArchiveDir(out)
    try:
        mirror = MirrorProcess(articles_per_site=args.articles_per_site)
    except RuntimeError as error:
        raise SystemExit(f"news-archive demo: {error}") from None
    with mirror:
        print(f"Serving the offline replica on {mirror.url} "
              f"({args.articles_per_site} stories per site)")
        print(f"Crawling it into {out}/ (the log goes to {layout.logs_dir}/) ...", flush=True)
        try:
            stats = run_crawl({
                **REPLICA_SETTINGS,
                "ARCHIVE_OPERATOR": OPERATOR,
                "ARCHIVE_DIR": str(out),
                "PROXY_URL": mirror.proxy,
            }, quiet=True)
        except DirectoryLocked as error:
            raise SystemExit(f"news-archive demo: {error}") from None
    print(summary(stats, layout))
    return EXIT_OK if stats.get("finish_reason") == "finished" else EXIT_FAILED


def summary(stats: dict[str, Any], layout) -> str:
    """A plain-language report of the crawl: what was fetched, what was written, where."""
    lines = ["", "What was archived", "-----------------", *_response_lines(stats)]
    lines += ["", f"Web archive (WARC files: every request and response, byte for byte; "
              f"replay them with pywb or ReplayWeb.page) in {layout.warc_dir}/:"]
    warcs = sorted(layout.warc_dir.glob("*.warc.gz"))
    lines += [f"  {p.name}  ({_size(p.stat().st_size)})" for p in warcs] or ["  (none)"]
    lines += _article_lines(layout.root)
    warcio = Path(sys.executable).with_name("warcio")
    lines += [
        "",
        "Look inside (one line per record; then verify every digest):",
        f"  {warcio} index -f warc-type,warc-target-uri,http:status "
        f"{warcs[0] if warcs else '<file>.warc.gz'}",
        f"  {warcio} check -v {layout.warc_dir}/*.warc.gz",
        f"Crawl log: {stats['log_file']}",
        f"Crawl stats: {stats['stats_file']}",
    ]
    reason = stats.get("finish_reason")
    lines.append("The crawl finished normally." if reason == "finished"
                 else f"The crawl stopped early: {reason} (see the log).")
    return "\n".join(lines)


def _response_lines(stats: dict[str, Any]) -> list[str]:
    """Responses by kind and status, stories new and old, revisits, failed downloads."""
    lines = [f"HTTP responses archived: {stats.get('archive/responses', 0)}"]
    for kind, label in KIND_LABELS:
        count = stats.get(f"archive/responses/{kind}", 0)
        if count:
            lines.append(f"  {count:6d}  {label}")
    statuses = sorted(
        (int(k.rsplit("/", 1)[1]), v) for k, v in stats.items() if k.startswith("archive/status/")
    )
    lines.append("  by status: " + ", ".join(f"{code}: {n}" for code, n in statuses))
    stories = stats.get("summary", {}).get("stories", {})
    if stories:
        lines.append(
            f"  stories this run: {stories.get('new', 0)} new, {stories.get('changed', 0)} changed,"
            f" {stories.get('unchanged', 0)} unchanged; {stories.get('kept_without_fetching', 0)}"
            " archived by earlier runs and not fetched again"
        )
    revisits = stats.get("summary", {}).get("revisits", {})
    if any(revisits.values()):
        lines.append(
            "  unchanged pages stored as revisit records (no second copy): "
            + ", ".join(f"{profile}: {n}" for profile, n in sorted(revisits.items()) if n)
        )
    failures = stats.get("archive/no_response", 0)
    if failures:
        lines.append(f"  downloads that got no response (see the log): {failures}")
    return lines


def _article_lines(root: Path) -> list[str]:
    files = sorted(root.rglob("*.jsonl"))
    if not files:
        return []
    lines = ["", "Articles (JSONL: one story a line, clean text and metadata, for pandas/DuckDB):"]
    for path in files:
        with path.open("rb") as handle:
            count = sum(1 for line in handle if line.strip())
        lines.append(f"  {path}  ({count} articles)")
    first = files[0]
    lines.append(
        f"  {sys.executable} -c \"import pandas as pd; "
        f"print(pd.read_json('{first}', lines=True).head())\""
    )
    return lines


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)
