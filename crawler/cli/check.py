"""`news-archive check DIR|FILE...`: find damage in WARC and JSONL files.

WARC files: every gzip member whole, digests right, a warcinfo record first, requests
and responses paired. JSONL files: every line valid against the JSON Schema and pointing
at a record that exists with the stated digest. One line per problem (file, offset or
line, what is wrong); exit status 1 if anything is wrong.
"""

from __future__ import annotations

import argparse
import sys

from crawler.runs import EXIT_FAILED, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check WARC and JSONL files for damage (exit 1 if any)",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument(
        "paths", nargs="+", metavar="DIR|FILE",
        help="archive directory (checks DIR/warc/ and DIR/jsonl/), .warc.gz or .jsonl file",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from archive.check import check_paths, left_open, outside_archives

    checked = problems = 0
    for _, found in check_paths(args.paths):
        checked += 1
        for problem in found:
            problems += 1
            print(problem, flush=True)
    for path in outside_archives(args.paths):
        print(f"note: {path}: in no archive directory's jsonl/ folder: its lines are checked, "
              "their warc pointers are not", file=sys.stderr)
    for path in left_open(args.paths):
        print(f"note: {path}: left open by a crawl that is running or was killed (not "
              "checked; the next crawl into the directory mends it)", file=sys.stderr)
    if problems:
        print(f"news-archive check: {problems} problem(s) in {checked} file(s)", file=sys.stderr)
        return EXIT_FAILED
    print(f"news-archive check: {checked} file(s), no problems", file=sys.stderr)
    return EXIT_OK
