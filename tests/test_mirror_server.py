"""The replica's HTTP side, over real sockets against real `news-archive mirror` processes."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import brotli
import pytest

from mirror import faults
from tests.conftest import MirrorProcess, load_truth

SITES = ("www.spacewar.com", "www.spacedaily.com", "www.terradaily.com")
HOME = "http://www.spacewar.com/index.html"
SERVING_LINE = re.compile(
    r"^news-archive mirror: serving on http://127\.0\.0\.1:(\d+)/ \(proxy for (\d+) hosts\)\n$"
)


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[-1] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def fetch(server: MirrorProcess, url: str, method: str = "GET", **headers: str) -> Reply:
    """One request through the replica as a proxy (absolute-form request line)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        named = {name.replace("_", "-"): value for name, value in headers.items()}
        connection.request(method, url, headers=named)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def raw_exchange(server: MirrorProcess, request: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes and read everything until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(request)
        received = []
        while data := sock.recv(65536):
            received.append(data)
    return b"".join(received)


def split_head(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return lines[0], headers, rest


def decode_chunked(data: bytes) -> list[bytes]:
    """Parse Transfer-Encoding: chunked strictly; returns the chunks (without the last 0)."""
    chunks = []
    while True:
        size_line, sep, data = data.partition(b"\r\n")
        assert sep, "chunk size line without CRLF"
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            assert data == b"\r\n", "bytes after the last chunk"
            return chunks
        chunks.append(data[:size])
        assert data[size : size + 2] == b"\r\n", "chunk not followed by CRLF"
        data = data[size + 2 :]


def story_urls(truth: list[dict]) -> list[str]:
    return [record["urls"][0] for record in truth if record["kind"] == "story"]


def sample_urls(truth: list[dict]) -> list[str]:
    pages = [f"http://{site}{path}" for site in SITES for path in ("/index.html", "/robots.txt")]
    feeds = [f"http://{site}/{site.split('.')[1]}.xml" for site in SITES]
    return pages + feeds + story_urls(truth)[:12]


@pytest.fixture(scope="module")
def faults_mirror():
    server = MirrorProcess(faults=True)
    yield server
    server.stop()


# --- proxy behaviour -------------------------------------------------------------------------


def test_absolute_form_and_host_header_give_the_same_bytes(mirror):
    through_proxy = fetch(mirror, HOME)
    connection = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=30)
    connection.request("GET", "/index.html", headers={"Host": "www.spacewar.com"})
    direct = connection.getresponse()
    assert through_proxy.status == direct.status == 200
    assert direct.read() == through_proxy.body
    assert b"<html" in through_proxy.body.lower()


def test_outside_hosts_are_refused_and_nothing_is_forwarded(mirror):
    with socket.create_server(("127.0.0.1", 0)) as bystander:
        bystander.settimeout(0.5)
        bystander_url = f"http://127.0.0.1:{bystander.getsockname()[1]}/secret"
        for url in (bystander_url, "http://example.com/", "http://www.spacewar.com:8080/"):
            reply = fetch(mirror, url)
            assert reply.status == 403, url
            assert b"never forwards" in reply.body
        host_header_form = f"GET /secret HTTP/1.1\r\nHost: {urlsplit(bystander_url).netloc}\r\n"
        raw = raw_exchange(mirror, (host_header_form + "Connection: close\r\n\r\n").encode())
        assert raw.startswith(b"HTTP/1.1 403 ")
        with pytest.raises(TimeoutError):
            bystander.accept()


def test_connect_is_refused_and_the_connection_closed(mirror):
    raw = raw_exchange(mirror, b"CONNECT www.spacewar.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")
    status_line, headers, _ = split_head(raw)
    assert status_line.startswith("HTTP/1.1 405")
    assert headers["connection"] == "close"


@pytest.mark.parametrize(
    "request_bytes",
    [b"GARBAGE\r\n\r\n", b"GET /index.html\r\n\r\n", b"GET /index.html HTTP/1.1\r\n\r\n",
     b"GET /x HTTP/1.1\r\nHost: www.spacewar.com\r\nbad header line\r\n\r\n"],
)
def test_malformed_requests_get_400(mirror, request_bytes):
    status_line, _, _ = split_head(raw_exchange(mirror, request_bytes))
    assert status_line.startswith("HTTP/1.1 400")


def test_bare_host_redirects_to_www_on_the_same_path(mirror):
    reply = fetch(mirror, "http://spacewar.com/reports/anything.html?x=1")
    assert reply.status == 301
    assert reply.header("Location") == "http://www.spacewar.com/reports/anything.html?x=1"


def test_unknown_path_is_404(mirror):
    reply = fetch(mirror, "http://www.spacewar.com/reports/No_Such_Story_At_All_999.html")
    assert reply.status == 404
    assert b"Not Found" in reply.body


def test_404_and_403_keep_the_connection_open(mirror):
    connection = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=30)
    statuses, local_ports = [], set()
    for url in ("http://www.spacewar.com/nothing-here.html", "http://example.org/", HOME):
        connection.request("GET", url)
        response = connection.getresponse()
        response.read()
        statuses.append((response.status, response.getheader("Connection")))
        local_ports.add(connection.sock.getsockname()[1])
    connection.close()
    assert statuses == [(404, None), (403, None), (200, None)]
    assert len(local_ports) == 1, "the connection was reopened"


# --- HTTP as real servers speak it -------------------------------------------------------------


def test_gzip_is_deterministic_and_decodes_to_the_identity_body(mirror):
    identity = fetch(mirror, HOME)
    zipped = fetch(mirror, HOME, Accept_Encoding="gzip, deflate")
    again = fetch(mirror, HOME, Accept_Encoding="gzip")
    refused = fetch(mirror, HOME, Accept_Encoding="gzip;q=0, identity")
    assert zipped.header("Content-Encoding") == "gzip"
    assert identity.header("Content-Encoding") is None
    assert refused.header("Content-Encoding") is None
    assert gzip.decompress(zipped.body) == identity.body == refused.body
    assert zipped.body == again.body
    assert zipped.header("Vary") == identity.header("Vary") == "Accept-Encoding"
    assert zipped.header("ETag") != identity.header("ETag")


def test_brotli_is_preferred_when_offered_as_by_servers_with_both(mirror):
    identity = fetch(mirror, HOME)
    scrapy_default = fetch(mirror, HOME, Accept_Encoding="gzip, deflate, br, zstd")
    declined = fetch(mirror, HOME, Accept_Encoding="br;q=0, gzip")
    assert scrapy_default.header("Content-Encoding") == "br"
    assert brotli.decompress(scrapy_default.body) == identity.body
    assert declined.header("Content-Encoding") == "gzip"
    assert len({scrapy_default.header("ETag"), declined.header("ETag"),
                identity.header("ETag")}) == 3


def test_some_responses_are_chunked_in_several_chunks_others_have_content_length(mirror):
    framings = {}
    for url in sample_urls(load_truth()):
        parts = urlsplit(url)
        request = f"GET {url} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
        status_line, headers, body = split_head(raw_exchange(mirror, request.encode()))
        if "transfer-encoding" in headers:
            assert headers["transfer-encoding"] == "chunked"
            assert "content-length" not in headers
            chunks = decode_chunked(body)
            assert len(chunks) > 1
            assert b"".join(chunks) == fetch(mirror, url).body
            framings["chunked"] = url
        else:
            assert int(headers["content-length"]) == len(body)
            framings["length"] = url
    assert set(framings) == {"chunked", "length"}


def test_etag_and_last_modified_give_304(mirror):
    first = fetch(mirror, HOME)
    etag, last_modified = first.header("ETag"), first.header("Last-Modified")
    assert re.fullmatch(r'"[0-9a-f]+"', etag)
    assert last_modified.endswith(" GMT")

    by_etag = fetch(mirror, HOME, If_None_Match=etag)
    assert (by_etag.status, by_etag.body) == (304, b"")
    assert by_etag.header("ETag") == etag
    assert fetch(mirror, HOME, If_None_Match='"0000", W/' + etag).status == 304
    assert fetch(mirror, HOME, If_None_Match='"not-the-tag"').status == 200

    assert fetch(mirror, HOME, If_Modified_Since=last_modified).status == 304
    assert fetch(mirror, HOME, If_Modified_Since="Sat, 01 Jan 1994 00:00:00 GMT").status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    assert fetch(
        mirror, HOME, If_None_Match='"other"', If_Modified_Since=last_modified
    ).status == 200


def test_head_sends_the_get_headers_without_a_body(mirror):
    with socket.create_connection(("127.0.0.1", mirror.port), timeout=10) as sock:
        request = f"HEAD {HOME} HTTP/1.1\r\nHost: www.spacewar.com\r\n\r\n"
        sock.sendall(request.encode() + request.replace("HEAD", "GET", 1).encode())
        head_reply = b""
        while head_reply.count(b"\r\n\r\n") < 2:
            head_reply += sock.recv(65536)
    status_line, head_headers, rest = split_head(head_reply)
    assert status_line == "HTTP/1.1 200 OK"
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n"), "HEAD response carried a body"
    _, get_headers, _ = split_head(rest)
    assert head_headers.keys() == get_headers.keys()
    assert head_headers["etag"] == get_headers["etag"]


def test_repeated_set_cookie_headers_arrive_as_separate_headers(mirror):
    found = [
        reply for reply in (fetch(mirror, url) for url in sample_urls(load_truth()))
        if len(reply.all("Set-Cookie")) >= 2
    ]
    assert found, "no page of the replica sends two Set-Cookie headers"
    cookies = found[0].all("Set-Cookie")
    assert len(set(cookies)) == len(cookies)
    assert all("," not in cookie.split(";")[0] for cookie in cookies)


def test_http10_gets_no_chunking_and_closes_unless_keep_alive_is_asked(mirror):
    for url in sample_urls(load_truth()):
        raw = raw_exchange(mirror, f"GET {url} HTTP/1.0\r\n\r\n".encode())
        _, headers, body = split_head(raw)
        assert headers["connection"] == "close"
        assert "transfer-encoding" not in headers
        assert len(body) == int(headers["content-length"])
    with socket.create_connection(("127.0.0.1", mirror.port), timeout=10) as sock:
        sock.sendall(f"GET {HOME} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(65536)
        assert "connection: keep-alive" in received.decode("latin-1").lower()


def test_keep_alive_serves_many_requests_on_one_connection(mirror):
    url = story_urls(load_truth())[0]
    connection = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=30)
    started = time.perf_counter()
    sizes = set()
    for _ in range(1000):
        connection.request("GET", url, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        sizes.add(len(response.read()))
        assert response.status == 200
    elapsed = time.perf_counter() - started
    connection.close()
    print(f"\n1000 keep-alive GETs in {elapsed:.2f} s: {1000 / elapsed:.0f} requests/s")
    assert len(sizes) == 1


# --- determinism and epochs -------------------------------------------------------------------


def test_same_seed_gives_byte_identical_sites(mirror, start_mirror):
    twin = start_mirror(seed=mirror.options["seed"])
    for url in sample_urls(load_truth()):
        for encoding in ("identity", "gzip"):
            ours = fetch(mirror, url, Accept_Encoding=encoding)
            theirs = fetch(twin, url, Accept_Encoding=encoding)
            assert (ours.status, ours.body) == (theirs.status, theirs.body), url
            assert ours.header("ETag") == theirs.header("ETag"), url


def test_a_new_epoch_publishes_new_stories_and_edits_old_ones(mirror, start_mirror):
    later = start_mirror(epoch=1)
    before = {r["id"]: r for r in load_truth() if r["kind"] == "story"}
    after = {r["id"]: r for r in load_truth(epoch=1) if r["kind"] == "story"}
    new = [r for key, r in after.items() if key not in before]
    edited = [r for key, r in after.items() if key in before and r["epoch_modified"] == 1]
    assert new and edited

    new_url = new[0]["urls"][0]
    assert fetch(mirror, new_url).status == 404
    assert fetch(later, new_url).status == 200
    new_site_home = f"http://{urlsplit(new_url).netloc}/index.html"
    assert urlsplit(new_url).path.encode() in fetch(later, new_site_home).body

    edited_url = edited[0]["urls"][0]
    old, changed = fetch(mirror, edited_url), fetch(later, edited_url)
    assert old.status == changed.status == 200
    assert old.body != changed.body
    assert old.header("ETag") != changed.header("ETag")
    assert fetch(later, edited_url, If_None_Match=old.header("ETag")).status == 200


# --- faults -----------------------------------------------------------------------------------

FAULT_URLS = {record["name"]: record["url"] for record in faults.truth_records()}


def test_fault_urls_are_linked_from_the_home_page_only_with_the_flag(mirror, faults_mirror):
    linked = fetch(faults_mirror, HOME).body.decode("utf-8", "replace")
    for url in FAULT_URLS.values():
        assert urlsplit(url).path in linked
    assert b"/faults/" not in fetch(mirror, HOME).body


def test_truth_names_every_fault(mirror):
    truth_faults = [r for r in load_truth() if r["kind"] == "fault"]
    assert {r["name"]: r["url"] for r in truth_faults} == FAULT_URLS
    assert all(r["expect"] for r in truth_faults)


def test_503_twice_then_success(faults_mirror):
    replies = [fetch(faults_mirror, FAULT_URLS["retry-503"]) for _ in range(4)]
    assert [r.status for r in replies] == [503, 503, 200, 200]
    assert replies[0].header("Retry-After") == replies[1].header("Retry-After") == "1"


def test_stall_sends_headers_then_nothing_and_blocks_no_one(faults_mirror):
    url = FAULT_URLS["stall"]
    with socket.create_connection(("127.0.0.1", faults_mirror.port), timeout=1.0) as sock:
        sock.sendall(f"GET {url} HTTP/1.1\r\nHost: www.spacewar.com\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(4096)
        assert received.startswith(b"HTTP/1.1 200")
        assert received.endswith(b"\r\n\r\n"), "some of the body was sent"
        assert fetch(faults_mirror, HOME).status == 200, "a stalled connection blocked others"
        with pytest.raises(TimeoutError):
            sock.recv(4096)


def test_reset_breaks_the_connection_mid_body(faults_mirror):
    connection = http.client.HTTPConnection("127.0.0.1", faults_mirror.port, timeout=10)
    connection.request("GET", FAULT_URLS["reset"])
    response = connection.getresponse()
    declared = int(response.getheader("Content-Length"))
    received = 0
    with pytest.raises(ConnectionResetError):
        while chunk := response.read1(4096):
            received += len(chunk)
    assert 0 < received < declared


def test_redirect_chain_and_loop(faults_mirror):
    url, statuses = FAULT_URLS["redirect-chain"], []
    for _ in range(10):
        reply = fetch(faults_mirror, url)
        statuses.append(reply.status)
        if reply.status == 200:
            break
        url = urljoin(url, reply.header("Location"))
    assert statuses == [301, 302, 307, 200]

    start = FAULT_URLS["redirect-loop"]
    second = fetch(faults_mirror, start).header("Location")
    assert second != start
    assert fetch(faults_mirror, second).header("Location") == start


def test_calendar_trap_links_onwards_without_end(faults_mirror):
    url, seen = FAULT_URLS["calendar-trap"], set()
    for _ in range(40):
        reply = fetch(faults_mirror, url)
        assert reply.status == 200
        seen.add(url)
        next_link = re.search(rb'href="([^"]+)">next month', reply.body)
        url = urljoin(url, next_link[1].decode())
    assert len(seen) == 40 and url not in seen


def test_large_page_is_20_mib_and_streams(faults_mirror):
    connection = http.client.HTTPConnection("127.0.0.1", faults_mirror.port, timeout=30)
    connection.request("GET", FAULT_URLS["large-page"])
    response = connection.getresponse()
    total, first, last = 0, b"", b""
    while chunk := response.read(1 << 20):
        first = first or chunk
        last = chunk
        total += len(chunk)
    assert total == int(response.getheader("Content-Length")) == 20 * 1024 * 1024
    assert first.startswith(b"<!DOCTYPE html>") and last.endswith(b"</html>\n")


def test_binary_labelled_html_and_broken_markup(faults_mirror):
    binary = fetch(faults_mirror, FAULT_URLS["binary-as-html"])
    assert binary.header("Content-Type").startswith("text/html")
    assert b"\x00" in binary.body
    broken = fetch(faults_mirror, FAULT_URLS["broken-markup"])
    assert "utf-8" in broken.header("Content-Type")
    with pytest.raises(UnicodeDecodeError):
        broken.body.decode("utf-8")


# --- the command line -------------------------------------------------------------------------


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler.cli", "mirror", *args]
    return subprocess.run(command, capture_output=True, timeout=timeout)


def test_truth_goes_to_stdout_or_a_file(tmp_path):
    to_stdout = run_cli("--articles-per-site", "12", "--truth", "-")
    assert to_stdout.returncode == 0
    lines = [json.loads(line) for line in to_stdout.stdout.decode().splitlines()]
    assert lines == json.loads(json.dumps(load_truth()))
    target = tmp_path / "truth.jsonl"
    assert run_cli("--articles-per-site", "12", "--truth", str(target)).returncode == 0
    assert target.read_bytes() == to_stdout.stdout


def test_clean_exit_on_sigterm_and_sigint_even_with_a_stalled_connection(start_mirror):
    for signum in (signal.SIGTERM, signal.SIGINT):
        server = start_mirror()
        assert fetch(server, HOME).status == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as stalled:
            stalled.sendall(f"GET {FAULT_URLS['stall']} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert stalled.recv(4096).startswith(b"HTTP/1.1 200")
            server.process.send_signal(signum)
            assert server.process.wait(10) == 0
            assert stalled.recv(4096) == b"", "the stalled connection was not closed"
        assert server.stderr_text() == ""


def test_serving_line_format():
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "mirror", "--articles-per-site", "12"],
        stdout=subprocess.PIPE,
    )
    try:
        line = process.stdout.readline().decode()
        match = SERVING_LINE.match(line)
        assert match, line
        assert int(match[2]) >= 7
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_port_in_use_is_a_clear_error():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_cli("--port", str(port), timeout=60)
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr.decode()
    assert result.stdout == b""


def test_a_port_that_is_no_number_is_a_usage_error():
    result = run_cli("--port", "abc", timeout=60)
    assert result.returncode == 64
    assert "argument --port: not a TCP port: 'abc'" in result.stderr.decode()
