"""`news-archive extract WARC... [-o FILE] [--jobs N]`: article records from WARC files."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from crawler.runs import EXIT_FAILED


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="rebuild JSONL article records from WARC files",
        description=(
            "Extract the articles of WARC files into JSONL (one line per story version, "
            "the lines the crawl runs wrote). Re-run it over old WARCs when extraction "
            "improves."
        ),
    )
    parser.add_argument("warcs", nargs="+", metavar="WARC", help="WARC files (.warc.gz)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="JSONL file to write (replaced); default: standard output")
    parser.add_argument("--jobs", type=int, default=0, metavar="N",
                        help="worker processes (default: one per available core)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crawler.extraction.pool import available_cores
    from crawler.extraction.warcs import extract_warcs

    missing = [path for path in args.warcs if not Path(path).is_file()]
    if missing:
        print(f"news-archive extract: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_FAILED
    if args.jobs < 0:
        print("news-archive extract: --jobs must be >= 0", file=sys.stderr)
        return EXIT_FAILED
    jobs = args.jobs or available_cores()
    try:
        if args.output:
            summary = extract_warcs(args.warcs, args.output, jobs)
        else:
            summary = _extract_to_stdout(args.warcs, jobs, extract_warcs)
    except (OSError, ValueError) as error:
        print(f"news-archive extract: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"news-archive extract: {summary.responses} responses, "
        f"{summary.article_pages} article pages, "
        f"{summary.records} records"
        + (f", {summary.drift} page(s) with layout drift" if summary.drift else "")
        + (f" -> {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    return 0


def _extract_to_stdout(warcs, jobs, extract_warcs):
    with tempfile.TemporaryDirectory(prefix="news-archive-extract-") as scratch:
        output = Path(scratch) / "records.jsonl"
        summary = extract_warcs(warcs, output, jobs)
        with open(output, "rb") as records:
            shutil.copyfileobj(records, sys.stdout.buffer)
        sys.stdout.flush()
    return summary
