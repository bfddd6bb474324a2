"""JSON Lines that survive crashes: whole-line appends, repair of a torn last line.

Each :meth:`JsonlWriter.write` encodes one object as a UTF-8 line and hands it to the
kernel with a single ``os.write`` on an ``O_APPEND`` descriptor, so a killed process
leaves either the whole line or none of it. Only the operating system itself (power
loss, a full disk mid-write) can leave a partial last line; :func:`repair_jsonl` removes
it before the file is appended to again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TAIL_CHUNK = 1 << 16


class JsonlWriteError(OSError):
    """A line could not be written whole; the file was cut back to its previous end."""


class JsonlWriter:
    """Append one JSON object per line to ``path`` (created if missing).

    Repairs a partial last line left by an earlier crash when opened, so new lines never
    glue onto a torn one.
    """

    def __init__(self, path: str | os.PathLike, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.path.parent.mkdir(parents=True, exist_ok=True)
        repair_jsonl(self.path)
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.lines_written = 0

    def write(self, obj: Any) -> None:
        """Append ``obj`` as one line (``ensure_ascii=False``, UTF-8)."""
        if self._fd is None:
            raise ValueError(f"JsonlWriter for {self.path} is closed")
        line = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
        end = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(f"short write: {written} of {len(line)} bytes")
            if self.fsync:
                os.fsync(self._fd)
        except OSError as error:
            os.ftruncate(self._fd, end)
            raise JsonlWriteError(
                error.errno, f"could not append a line to {self.path}: {error}"
            ) from error
        self.lines_written += 1

    def close(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def repair_jsonl(path: str | os.PathLike) -> int:
    """Remove a partial (unterminated) last line from ``path``; return bytes removed.

    A missing file needs no repair (0).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    keep = _end_of_last_whole_line(path, size)
    if keep < size:
        os.truncate(path, keep)
    return size - keep


def iter_jsonl(path: str | os.PathLike,
               on_bad_line: Callable[[ValueError], None] | None = None) -> Iterator[Any]:
    """Each object of a JSON Lines file; blank lines skipped. A bad line is an error
    naming its line number: raised, or given to ``on_bad_line`` and skipped."""
    for number, _, raw in iter_lines(path):
        try:
            yield json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            bad = ValueError(f"{path}:{number}: not a JSON line ({error})")
            if on_bad_line is None:
                raise bad from error
            on_bad_line(bad)


def iter_lines(path: str | os.PathLike) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, bytes) of each line of a JSON Lines file that is not
    blank: where to seek to read it again."""
    with open(path, "rb") as lines:
        offset = 0
        for number, raw in enumerate(lines, 1):
            if raw.strip():
                yield number, offset, raw
            offset += len(raw)


def _end_of_last_whole_line(path: Path, size: int) -> int:
    """Offset just after the last ``\\n`` of the file (0 if there is none)."""
    with open(path, "rb") as stream:
        end = size
        while end > 0:
            start = max(0, end - TAIL_CHUNK)
            stream.seek(start)
            chunk = stream.read(end - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            end = start
    return 0
