"""The `news-archive` command: one subcommand per job.

Each subcommand lives in its own module with a `register(subparsers)` function
that adds its parser and sets `handler` to a callable taking the parsed
arguments and returning the process exit code. Heavy imports (Scrapy,
trafilatura) happen inside the handlers, so `news-archive mirror --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import version

from crawler.runs import EXIT_USAGE

SUBCOMMAND_MODULES = (
    "mirror.cli",
    "crawler.cli.crawl",
    "crawler.cli.extract",
    "crawler.cli.demo",
    "crawler.cli.index", "crawler.cli.package", "crawler.cli.check", "crawler.cli.export",
)



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="news-archive",
        description="Archive the SpaceDaily news network into WARC files and JSONL articles.",
    )
    parser.add_argument("--version", action="version", version=version("news-archive"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors; we document 64 (EX_USAGE)
        return EXIT_USAGE if exc.code not in (0, None) else 0
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
