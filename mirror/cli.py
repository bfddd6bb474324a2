"""`news-archive mirror`: serve the offline replica, or write its ground truth."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from mirror.network import Network

EXIT_OK = 0
EXIT_UNAVAILABLE = 69  # sysexits EX_UNAVAILABLE: the port cannot be bound
EXIT_CANTCREAT = 73  # sysexits EX_CANTCREAT: the truth file cannot be written


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mirror",
        help="serve the offline replica of the network on 127.0.0.1 (an HTTP proxy)",
        description=(
            "Serve the offline replica of the SpaceDaily network on 127.0.0.1 as an HTTP "
            "forward proxy for the network's hosts (other hosts are refused, never forwarded), "
            "or write its ground truth with --truth."
        ),
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="port to listen on (default 0: any free port)"
    )
    parser.add_argument(
        "--articles-per-site", type=_positive, default=40, metavar="N",
        help="stories per site (default 40)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated sites")
    parser.add_argument(
        "--epoch", type=_non_negative, default=0, metavar="E",
        help="how much time has passed: each epoch publishes and edits stories (default 0)",
    )
    parser.add_argument(
        "--faults", action="store_true",
        help="link the fault URLs from the spacewar.com home page (they are served always)",
    )
    parser.add_argument(
        "--truth", metavar="FILE",
        help="write the ground truth as JSON lines to FILE ('-' = stdout) and exit",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mirror.network import Network

    network = Network(
        seed=args.seed, articles_per_site=args.articles_per_site, epoch=args.epoch,
        faults=args.faults,
    )
    if args.truth is not None:
        return _write_truth(network.truth(), args.truth)
    return _serve(network, args.port)


def _serve(network: Network, port: int) -> int:
    from mirror.server import CannotListen, serve

    def announce(bound_port: int) -> None:
        print(
            f"news-archive mirror: serving on http://127.0.0.1:{bound_port}/ "
            f"(proxy for {len(network.hosts)} hosts)",
            flush=True,
        )

    try:
        serve(network, port, announce)
    except CannotListen as exc:
        print(f"news-archive mirror: cannot listen on 127.0.0.1:{port}: {exc.strerror}",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    return EXIT_OK


def _write_truth(records: Iterable[dict], destination: str) -> int:
    if destination == "-":
        _dump_json_lines(records, sys.stdout)
        return EXIT_OK
    try:
        with Path(destination).open("w", encoding="utf-8") as out:
            _dump_json_lines(records, out)
    except OSError as exc:
        print(f"news-archive mirror: cannot write {destination}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_CANTCREAT
    return EXIT_OK


def _dump_json_lines(records: Iterable[dict], out: TextIO) -> None:
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value
