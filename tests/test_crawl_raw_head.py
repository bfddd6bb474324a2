"""The status line and header lines of a response are archived as the server sent them:
reason phrase, names' case, order (repeats not grouped, Content-Length where it was),
connection headers, and no header the server did not send. A small raw-socket server
answers every request (it is the crawl's proxy) with one such response."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from tests.crawl_fixtures import REPLICA_SETTINGS, read_warc, run_crawl_cli

BODY = b"<html><body>odd</body></html>"
HEAD = [
    b"HTTP/1.1 200 Okay Dokey",
    b"ETag: \"v1\"",
    b"set-cookie: a=1",
    b"X-Thing: between",
    b"Set-Cookie: b=2",
    b"WWW-Authenticate: Basic realm=\"x\"",
    b"Content-Type: text/html",
    b"Keep-Alive: timeout=5",
    b"Connection: close",
    b"Content-Length: %d" % len(BODY),
]
NOT_MODIFIED = [b"HTTP/1.1 304 Not Changed", b"ETag: \"v1\"", b"Connection: close"]


class OddServer:
    """Answers every request with HEAD + BODY, or NOT_MODIFIED to a conditional one."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    request += chunk
                conditional = b"\r\nif-none-match:" in request.lower()
                lines = NOT_MODIFIED if conditional else HEAD
                body = b"" if conditional else BODY
                connection.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(scope="module")
def odd_server():
    server = OddServer()
    yield server
    server.close()


def head_lines(record) -> list[bytes]:
    return [record.status_line.encode("latin-1"),
            *(f"{k}: {v}".encode("latin-1") for k, v in record.http_headers)]


def crawl(out: Path, server: OddServer):
    run = run_crawl_cli(out, "--proxy", f"http://127.0.0.1:{server.port}", "--site",
                        "spacewar", "--max-pages", "2", *REPLICA_SETTINGS)
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    return run


def test_the_head_of_a_response_is_archived_as_sent(odd_server, tmp_path):
    run = crawl(tmp_path / "out", odd_server)
    responses = run.of_type("response")
    assert responses
    for record in responses:
        assert head_lines(record) == HEAD
        assert record.payload == BODY


def test_a_304_revisit_holds_the_304_as_sent(odd_server, tmp_path):
    out = tmp_path / "out"
    crawl(out, odd_server)
    again = crawl(out, odd_server)
    revisits = [r for path in again.warc_files[1:] for r in read_warc(path)
                if r.type == "revisit" and r.headers["WARC-Profile"].endswith("not-modified")]
    assert revisits
    for record in revisits:
        assert head_lines(record) == NOT_MODIFIED  # no Content-Length: 0 added
