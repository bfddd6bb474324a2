"""A raw-socket HTTP proxy for tests: every request's path goes to a function that
returns the exact bytes to send back (then the connection is closed), or a list of
byte strings and pauses (seconds) to send them slowly, so a test can break HTTP any way
a real server does."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

#: The answer for a path that does not exist.
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def ok_answer(body: bytes, content_type: str = "text/html", headers: bytes = b"") -> bytes:
    """A well-formed 200 answer: ``headers`` (whole lines), a Content-Length, ``body``."""
    return (b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%sContent-Length: %d\r\n\r\n"
            % (content_type.encode(), headers, len(body)) + body)


@dataclass
class RawServer:
    proxy: str
    #: (time.monotonic(), "host/path") of every request, as they came
    log: list[tuple[float, str]] = field(default_factory=list)

    @property
    def requested(self) -> list[str]:
        return [target for _, target in self.log]


@contextmanager
def raw_server(answer: Callable[[str, str], bytes | list]) -> Iterator[RawServer]:
    """A proxy on 127.0.0.1 answering each request with ``answer(host, path)``."""
    listener = socket.create_server(("127.0.0.1", 0))
    server = RawServer(f"http://127.0.0.1:{listener.getsockname()[1]}")

    def reply(connection: socket.socket) -> None:
        with connection:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                head += chunk
            target = head.split(b" ", 2)[1].decode("latin-1")  # absolute form: via a proxy
            host, _, path = target.removeprefix("http://").partition("/")
            server.log.append((time.monotonic(), f"{host}/{path}"))
            answered = answer(host, "/" + path)
            try:
                for part in [answered] if isinstance(answered, bytes) else answered:
                    if isinstance(part, bytes):
                        connection.sendall(part)
                    else:
                        time.sleep(part)
            except OSError:  # the client hung up (a cut body, a timeout)
                return

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=reply, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server
    finally:
        listener.close()
