"""`news-archive package DIR [--run ID] -o FILE.wacz`: a WACZ for ReplayWeb.page.

The WARC files (all, or one run's), a CDXJ index and a ``pages.jsonl`` listing every
archived story with its extracted text, so ReplayWeb.page can list and search them;
built with py-wacz and checked with its validator (see :mod:`archive.wacz`).
"""

from __future__ import annotations

import argparse
import sys

from crawler.runs import EXIT_FAILED, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "package",
        help="package an archive directory (or one run) as a WACZ file",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("directory", metavar="DIR", help="archive directory (a crawl's --out)")
    parser.add_argument("--run", metavar="ID",
                        help="only this run (its id: the name of its JSONL file)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.wacz",
                        help="WACZ file to write (replaced)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from archive.wacz import package_archive
    from crawler.sites import spacedaily as profile

    try:
        report = package_archive(args.directory, args.output, run=args.run,
                                 collection=profile.ARCHIVE_TITLE)
    except (OSError, ValueError) as error:  # PackageError, a damaged JSONL line
        print(f"news-archive package: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"news-archive package: {report.output}: {len(report.warcs)} WARC file(s), "
          f"{report.pages} page(s); validated")
    return EXIT_OK
