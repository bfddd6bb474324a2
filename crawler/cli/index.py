"""`news-archive index DIR`: CDXJ indexes for replay tools (pywb, ReplayWeb.page).

One sorted CDXJ file per WARC file (``DIR/indexes/warc/<name>.cdxj``) and one merged,
sorted index of the whole archive for replay, 304s left out (``DIR/indexes/index.cdxj``);
see :mod:`archive.index`. Incremental: only new or changed WARC files are indexed again.
"""

from __future__ import annotations

import argparse
import sys

from crawler.runs import EXIT_FAILED, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index",
        help="write CDXJ indexes of an archive directory (per WARC file and merged)",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("directory", metavar="DIR", help="archive directory (a crawl's --out)")
    parser.add_argument("--rebuild", action="store_true",
                        help="index every WARC file again, even if its index is up to date")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from archive.index import index_archive

    try:
        report = index_archive(args.directory, rebuild=args.rebuild)
    except (OSError, ValueError) as error:
        print(f"news-archive index: {error}", file=sys.stderr)
        return EXIT_FAILED
    for path in report.skipped_open:
        print(f"news-archive index: skipped {path} (still being written)", file=sys.stderr)
    for path, error in report.damaged.items():
        print(f"news-archive index: not indexed: {path} is damaged ({error}); "
              f"`news-archive check {path}` says where", file=sys.stderr)
    print(
        f"news-archive index: {len(report.indexed)} WARC file(s) indexed, "
        f"{len(report.up_to_date)} up to date, {len(report.removed)} stale index(es) removed"
        f"{f', {len(report.damaged)} damaged' if report.damaged else ''}; "
        f"{report.lines} lines in {report.merged}"
    )
    return EXIT_FAILED if report.damaged else EXIT_OK
