"""`news-archive export DIR --format jsonl|parquet [--all-versions] -o FILE`: one dataset.

Every run's JSONL article records merged into one file: by default the latest version of
each story (by ``id``, highest ``version``), with ``--all-versions`` every version.
Parquet is written with pyarrow and an explicit schema. A dataset card in Markdown is
written next to the output as ``FILE.md`` (see :mod:`archive.export`).
"""

from __future__ import annotations

import argparse
import sys

from crawler.runs import EXIT_FAILED, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export every run's articles as one JSONL or Parquet dataset (+ dataset card)",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("directory", metavar="DIR", help="archive directory (a crawl's --out)")
    parser.add_argument("--format", required=True, choices=("jsonl", "parquet"),
                        help="output format")
    parser.add_argument("--all-versions", action="store_true",
                        help="every captured version of every story, not only the latest")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="file to write (replaced); the dataset card goes to FILE.md")
    parser.add_argument("--skip-damaged", action="store_true",
                        help="leave out JSONL lines that are damaged (each named on stderr) "
                             "instead of stopping at the first")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from archive.export import ExportError, export_archive
    from crawler.sites import spacedaily as profile

    try:
        report = export_archive(
            args.directory, args.output, fmt=args.format, all_versions=args.all_versions,
            title=profile.ARCHIVE_TITLE, skip_damaged=args.skip_damaged,
        )
    except (OSError, ExportError) as error:
        print(f"news-archive export: {error}", file=sys.stderr)
        return EXIT_FAILED
    for damaged in report.skipped:
        print(f"news-archive export: left out: {damaged}", file=sys.stderr)
    print(f"news-archive export: {report.rows} record(s) of {report.stories} stories "
          f"from {report.runs} run(s) -> {report.output} (card: {report.card})")
    return EXIT_OK
