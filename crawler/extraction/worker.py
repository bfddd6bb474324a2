"""An extraction worker process: captures in on stdin, outcomes out on stdout.

    python -m crawler.extraction.worker

The crawl (:mod:`crawler.extraction.processes`) starts these. Each message, either way,
is a frame: a 4-byte big-endian length, then a pickle. A capture frame holds a
:class:`~crawler.extraction.pool.Capture`; the answer to it, in the same order, is
``(True, Outcome)`` or ``(False, traceback text)`` when extraction raised. The worker
ends at end-of-file on stdin, which is also what it sees when the crawl dies, however
it dies: the crawl's end of the pipe closes with it. It ignores SIGINT: its lifetime is
the crawl's to decide.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import traceback
from typing import BinaryIO

HEADER = struct.Struct(">I")


def encode_frame(message: object) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


def read_frame(stream: BinaryIO) -> object | None:
    """The next message, or None at end-of-file."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    return pickle.loads(stream.read(length))


def serve(captures: BinaryIO, outcomes: BinaryIO) -> None:
    from crawler.extraction.pool import prepare_worker, process_capture

    prepare_worker()
    while (capture := read_frame(captures)) is not None:
        try:
            answer = (True, process_capture(capture))
        except Exception:  # reported to the crawl, which counts and logs it
            answer = (False, traceback.format_exc())
        outcomes.write(encode_frame(answer))
        outcomes.flush()


def main() -> None:
    # Ctrl-C in a terminal signals the whole process group: the crawl stops gracefully
    # and drains its workers, so they must not die of it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The outcome stream gets a descriptor of its own, and anything a library prints
    # goes to stderr: a stray print must not corrupt the frames.
    outcomes = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, outcomes)


if __name__ == "__main__":
    main()
