"""`news-archive mirror`: serve the offline replica, or write its ground truth."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mirror.network import Network

EXIT_OK = 0
EXIT_UNAVAILABLE = 69  # sysexits EX_UNAVAILABLE: the port cannot be bound
EXIT_CANTCREAT = 73  # sysexits EX_CANTCREAT: the truth file cannot be written
MAX_TRUTH_JOBS = 4
PARALLEL_TRUTH_FROM = 3000  # stories; smaller networks are written by one process
TRUTH_RUN = 250  # consecutive stories a worker describes at a time


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
        return _write_truth(truth_lines(network), args.truth)
    return _serve(network, args.port)


def _serve(network: Network, port: int) -> int:
    from mirror.server import CannotListen, serve

    def announce(bound_port: int) -> None:
        print(
            f"news-archive mirror: serving on http://127.0.0.1:{bound_port}/ "
            f"(proxy for {len(network.hosts)} hosts)",
            flush=True,
        )

    network.warm()  # build the headline index before announcing, not on the first request
    gc.freeze()  # the index lives as long as the process: keep it out of garbage collections
    try:
        serve(network, port, announce)
    except CannotListen as exc:
        print(f"news-archive mirror: cannot listen on 127.0.0.1:{port}: {exc.strerror}",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    return EXIT_OK


def truth_lines(network: Network, jobs: int | None = None) -> Iterator[str]:
    """`network.truth()` as text made of whole JSON lines, built by `jobs` processes
    (default: one a core for large networks).

    The stories go to worker processes in runs of consecutive ones (so that each
    page's teased neighbour is still cached) and come back in order: the output
    is the same as one process writes, only sooner on several cores.
    """
    from multiprocessing import get_all_start_methods, get_context

    from mirror.network import fault_truth
    from mirror.stories import SITES

    if jobs is None:
        large = network.catalogue.count * len(SITES) >= PARALLEL_TRUTH_FROM
        jobs = min(os.cpu_count() or 1, MAX_TRUTH_JOBS) if large else 1
    if jobs < 2 or "fork" not in get_all_start_methods():
        for record in network.truth():
            yield _json_line(record)
        return
    network.warm()  # before the fork: every worker shares the headline index
    runs = [(site, start, min(start + TRUTH_RUN, network.catalogue.count))
            for site in SITES for start in range(0, network.catalogue.count, TRUTH_RUN)]
    context = get_context("fork")
    with context.Pool(jobs, initializer=_set_worker_network, initargs=(network,)) as pool:
        yield from pool.imap(_truth_run, runs)
    for record in fault_truth():
        yield _json_line(record)


_worker_network: Network | None = None  # the network a truth worker process describes


def _set_worker_network(network: Network) -> None:
    global _worker_network
    _worker_network = network


def _truth_run(run: tuple[str, int, int]) -> str:
    site, start, stop = run
    return "".join(_json_line(_worker_network.story_truth(site, index))
                   for index in range(start, stop))


def _json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _write_truth(lines: Iterable[str], destination: str) -> int:
    if destination == "-":
        sys.stdout.writelines(lines)
        return EXIT_OK
    try:
        with Path(destination).open("w", encoding="utf-8") as out:
            out.writelines(lines)
    except OSError as exc:
        print(f"news-archive mirror: cannot write {destination}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_CANTCREAT
    return EXIT_OK


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a TCP port: {text!r}") from None
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
