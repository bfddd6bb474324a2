"""The replica's HTTP/1.1 server: a forward proxy on 127.0.0.1 that never forwards.

Clients use it as an HTTP proxy (absolute-form request lines, as Scrapy and wget
send them) or talk to it directly with a ``Host`` header. Requests for hosts of
the network are answered from :class:`~mirror.network.Network` (and the fault
URLs of :mod:`mirror.faults`); every other host gets a 403 page and nothing
leaves the machine.

It speaks HTTP the way the real servers do: keep-alive, brotli or gzip when asked
(brotli first, as servers with both do; deterministic bytes), chunked or
Content-Length framing as the resource says, ETag and Last-Modified with working
conditional GETs. One asyncio event loop
serves every connection, so a stalled fault never blocks other clients.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import signal
import socket
import struct
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from http import HTTPStatus

import brotli

from mirror import faults
from mirror.network import Network, Resource

logger = logging.getLogger(__name__)

BIND_ADDRESS = "127.0.0.1"
SERVER_NAME = "news-archive-mirror"
MAX_HEAD_BYTES = 64 * 1024
MAX_REQUEST_BODY_BYTES = 1024 * 1024
IDLE_TIMEOUT_SECONDS = 60.0
GZIP_LEVEL = 6
BROTLI_QUALITY = 5
#: The content codings the server offers, each a function of the plain body.
_ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "br": lambda body: brotli.compress(body, quality=BROTLI_QUALITY),
    "gzip": lambda body: gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0),
}
MIN_CHUNKS = 4
RESPONSE_CACHE_BYTES = 8 * 1024 * 1024  # home pages, listings, feeds and recent pages
MAX_CHUNK_BYTES = 16 * 1024
ALLOWED_METHODS = "GET, HEAD"
COMPRESSIBLE_TYPES = ("text/", "application/xml", "application/rss+xml", "application/json",
                      "application/javascript", "image/svg+xml")


class CannotListen(OSError):
    """The server socket could not be bound (port in use, not allowed...)."""


class BadRequest(Exception):
    """The request cannot be parsed: answered with a 400 and the connection closes."""


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "

    @property
    def keep_alive(self) -> bool:
        tokens = _tokens(self.headers.get("connection", ""))
        tokens |= _tokens(self.headers.get("proxy-connection", ""))
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


@dataclass(frozen=True)
class Reply:
    """A response ready to frame: status, headers (without framing) and payload."""

    status: int
    headers: list[tuple[str, str]]
    payload: bytes = b""
    chunked: bool = False
    fault: str | None = None
    close: bool = False  # end the connection after this reply


def parse_request(head: bytes) -> Request:
    """Parse the request line and header fields (everything before the blank line)."""
    lines = head.lstrip(b"\r\n").decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"malformed request line {lines[0][:200]!r}")
    method, target, version = parts
    if version not in ("HTTP/1.0", "HTTP/1.1") or not target:
        raise BadRequest(f"unsupported request line {lines[0][:200]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"malformed header line {line[:200]!r}")
        name = name.lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Request(method, target, version, headers)


def request_host_and_path(request: Request) -> tuple[str, str]:
    """Where the request goes: ``(host, path+query)`` from absolute-form or Host header.

    Returns the host with an explicit port other than 80 kept (``host:port``), so
    that it does not match a network host. Raises BadRequest when there is no host.
    """
    target = request.target
    if target.startswith("/"):
        authority = request.headers.get("host")
        if not authority:
            raise BadRequest("origin-form request without a Host header")
        path = target
    elif "://" in target:
        scheme, _, rest = target.partition("://")
        slash = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
        authority, path = rest[:slash], rest[slash:]
        if not path.startswith("/"):
            path = "/" + path
        if scheme.lower() != "http":
            authority = f"{scheme.lower()}://{authority}"
    else:
        raise BadRequest(f"unsupported request target {target[:200]!r}")
    return _normalise_authority(authority), path


def _normalise_authority(authority: str) -> str:
    host = authority.rpartition("@")[2].lower()
    if host.endswith(":80"):
        host = host[:-3]
    return host.rstrip(".")


@dataclass
class Encoded:
    """A resource with what serving it costs to compute: its ETag and its encoded bytes."""

    resource: Resource
    tag: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    def body(self, coding: str | None) -> bytes:
        """The body in content coding ``coding`` (None: as it is)."""
        if coding is None:
            return self.resource.body
        if coding not in self.encoded:
            self.encoded[coding] = _ENCODERS[coding](self.resource.body)
        return self.encoded[coding]

    @property
    def size(self) -> int:
        return len(self.resource.body) + sum(map(len, self.encoded.values()))


class ResponseCache:
    """The most recently served resources, ETag and gzip bytes included, up to `max_bytes`.

    The network is deterministic (a URL always resolves to the same bytes), so a
    hit skips building the page; re-fetches (home pages, listings, recrawls with
    conditional GETs) then cost no more than the socket work.
    """

    def __init__(self, max_bytes: int = RESPONSE_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple[str, str], Encoded] = OrderedDict()

    def get(self, host: str, path: str) -> Encoded | None:
        entry = self._entries.get((host, path))
        if entry is not None:
            self._entries.move_to_end((host, path))
        return entry

    def put(self, host: str, path: str, resource: Resource) -> Encoded:
        """A new entry for the resource, kept unless it alone exceeds the limit."""
        entry = Encoded(resource, hashlib.sha1(resource.body).hexdigest()[:20])
        if entry.size <= self.max_bytes:
            self._entries[(host, path)] = entry
            self.size += entry.size
            self._evict()
        return entry

    def resized(self, host: str, path: str, entry: Encoded, before: int) -> None:
        """Account for bytes an entry gained since it measured `before` (its encoded bytes)."""
        if self._entries.get((host, path)) is entry:
            self.size += entry.size - before
            self._evict()

    def _evict(self) -> None:
        while self.size > self.max_bytes:
            _, oldest = self._entries.popitem(last=False)
            self.size -= oldest.size


class MirrorServer:
    """Serves one :class:`Network` (plus the fault URLs) on 127.0.0.1."""

    def __init__(self, network: Network, cache: ResponseCache | None = None) -> None:
        self.network = network
        self.hosts = network.hosts
        self.cache = cache if cache is not None else ResponseCache()
        self.port: int | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task] = set()
        self._fault_hits: dict[str, int] = {}

    async def start(self, port: int = 0) -> int:
        """Listen on 127.0.0.1:port (0 = any free port) and return the port."""
        self._server = await asyncio.start_server(
            self._serve_connection, BIND_ADDRESS, port, limit=MAX_HEAD_BYTES, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening and end every open connection (stalled ones included)."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            while await self._serve_one(reader, writer):
                pass
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:
            logger.exception("error while serving a connection")
        finally:
            self._connections.discard(task)
            writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read and answer one request; True to keep the connection open."""
        try:
            async with asyncio.timeout(IDLE_TIMEOUT_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, TimeoutError):
            return False
        except asyncio.LimitOverrunError:
            too_large = _error_reply(431, "The request head is too large.", close=True)
            return await _send_reply(writer, too_large)
        try:
            request = parse_request(head)
            await _discard_request_body(request, reader)
        except BadRequest as exc:
            return await _send_reply(writer, _error_reply(400, str(exc), close=True))
        try:
            reply = self._reply_to(request)
        except BadRequest as exc:
            reply = _error_reply(400, str(exc), close=True)
        except Exception:
            logger.exception("error answering %s %s", request.method, request.target)
            reply = _error_reply(500, "The replica failed on this request.", close=True)
        return await _send_reply(writer, reply, request)

    def _reply_to(self, request: Request) -> Reply:
        if request.method not in ("GET", "HEAD"):
            reply = _error_reply(405, f"The replica answers {ALLOWED_METHODS} only.", close=True)
            reply.headers.append(("Allow", ALLOWED_METHODS))
            return reply
        host, path = request_host_and_path(request)
        if host not in self.hosts:
            return _error_reply(
                403,
                f"{_escape(host)} is not a host of the replica. This is an offline replica of "
                "the SpaceDaily network: it never forwards requests to the internet.",
            )
        entry = self.cache.get(host, path)
        if entry is None:
            resource = self.network.resolve(host, path)
            if resource is None:
                return _error_reply(404, f"The requested URL {_escape(path)} was not found.")
            entry = self.cache.put(host, path, resource)
        hits = self._count_hit(host + path) if entry.resource.fault == "503-twice" else 0
        if 0 < hits <= faults.FAILURES_BEFORE_SUCCESS:
            reply = _error_reply(503, "The server is busy; try again shortly.")
            reply.headers.append(("Retry-After", str(faults.RETRY_AFTER_SECONDS)))
            return reply
        before = entry.size
        reply = _resource_reply(request, entry)
        self.cache.resized(host, path, entry, before)
        return reply

    def _count_hit(self, url: str) -> int:
        self._fault_hits[url] = self._fault_hits.get(url, 0) + 1
        return self._fault_hits[url]


async def _send_reply(
    writer: asyncio.StreamWriter, reply: Reply, request: Request | None = None
) -> bool:
    """Frame and write the reply (acting out its fault); True if the connection stays open.

    Without a request (it could not be read) the reply closes the connection.
    """
    head_only = request is not None and request.method == "HEAD"
    http10 = request is not None and request.version == "HTTP/1.0"
    keep_alive = (
        request is not None
        and request.keep_alive
        and not reply.close
        and reply.fault not in ("stall", "reset")
    )
    chunked = reply.chunked and not http10
    headers = [("Date", _http_now()), ("Server", SERVER_NAME), *reply.headers]
    if chunked:
        headers.append(("Transfer-Encoding", "chunked"))
    elif reply.status != 304:
        size = faults.LARGE_PAGE_SIZE if reply.fault == "large" else len(reply.payload)
        headers.append(("Content-Length", str(size)))
    if not keep_alive:
        headers.append(("Connection", "close"))
    elif http10:
        headers.append(("Connection", "keep-alive"))
    head = _encode_head(reply.status, headers)
    if head_only or reply.status == 304:
        writer.write(head)
    elif reply.fault == "large":
        await _send_large(writer, head)
    elif reply.fault == "stall":
        await _send_stall(writer, head)
    elif reply.fault == "reset":
        await _send_reset(writer, head, reply.payload)
    else:
        writer.write(head + (_chunk(reply.payload) if chunked else reply.payload))
    await writer.drain()
    return keep_alive


async def _discard_request_body(request: Request, reader: asyncio.StreamReader) -> None:
    if "transfer-encoding" in request.headers:
        raise BadRequest("request bodies with Transfer-Encoding are not supported")
    length = request.headers.get("content-length")
    if length is None:
        return
    if not length.isdigit() or int(length) > MAX_REQUEST_BODY_BYTES:
        raise BadRequest(f"bad or too large Content-Length {length[:50]!r}")
    try:
        await reader.readexactly(int(length))
    except asyncio.IncompleteReadError as exc:
        raise BadRequest("request body shorter than its Content-Length") from exc


def _resource_reply(request: Request, entry: Encoded) -> Reply:
    """Headers, validators and content coding for a resource of the network."""
    resource = entry.resource
    headers = list(resource.headers)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    plain = resource.fault in (None, "503-twice")
    compressible = plain and bool(resource.body) and content_type.startswith(COMPRESSIBLE_TYPES)
    coding = _content_coding(request.headers.get("accept-encoding", "")) if compressible else None
    validators: list[tuple[str, str]] = []
    if resource.status == 200 and plain:
        tag = entry.tag
        etag = f'"{tag}-{coding}"' if coding else f'"{tag}"'
        validators.append(("ETag", etag))
        if resource.last_modified is not None:
            validators.append(("Last-Modified", _http_date(resource.last_modified)))
        if _not_modified(request, tag, resource.last_modified):
            vary = [("Vary", "Accept-Encoding")] if compressible else []
            return Reply(304, validators + vary)
    elif resource.last_modified is not None:
        validators.append(("Last-Modified", _http_date(resource.last_modified)))
    headers.extend(validators)
    payload = resource.body
    if compressible:
        headers.append(("Vary", "Accept-Encoding"))
    if coding:
        headers.append(("Content-Encoding", coding))
        payload = entry.body(coding)
    return Reply(resource.status, headers, payload, resource.chunked, resource.fault)


def _not_modified(request: Request, tag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 evaluation: If-None-Match wins over If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        candidates = {t.strip().removeprefix("W/").strip('"') for t in if_none_match.split(",")}
        return bool(candidates & {"*", tag, *(f"{tag}-{coding}" for coding in _ENCODERS)})
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return _as_utc(last_modified).replace(microsecond=0) <= since


@lru_cache(maxsize=64)
def _content_coding(accept_encoding: str) -> str | None:
    """The coding to send: brotli if accepted, else gzip if accepted, else none."""
    qualities: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        quality = 1.0
        params = params.replace(" ", "")
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        qualities[coding.strip()] = quality
    wildcard = qualities.get("*", 0.0)
    if qualities.get("br", wildcard) > 0:
        return "br"
    if max(qualities.get("gzip", wildcard), qualities.get("x-gzip", 0.0)) > 0:
        return "gzip"
    return None


def _error_reply(status: int, message: str, close: bool = False) -> Reply:
    """An Apache-style error page."""
    phrase = HTTPStatus(status).phrase
    body = (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n'
        f"<html><head>\n<title>{status} {phrase}</title>\n</head><body>\n"
        f"<h1>{phrase}</h1>\n<p>{message}</p>\n<hr>\n<address>{SERVER_NAME}</address>\n"
        "</body></html>\n"
    ).encode()
    return Reply(status, [("Content-Type", "text/html; charset=utf-8")], body, close=close)


def _encode_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(payload: bytes) -> bytes:
    """Chunked transfer coding in several chunks, as a streaming server would send."""
    size = min(MAX_CHUNK_BYTES, max(1, -(-len(payload) // MIN_CHUNKS)))
    pieces = [
        b"%x\r\n%s\r\n" % (len(payload[i : i + size]), payload[i : i + size])
        for i in range(0, len(payload), size)
    ]
    return b"".join(pieces) + b"0\r\n\r\n"


async def _send_large(writer: asyncio.StreamWriter, head: bytes) -> None:
    writer.write(head)
    for piece in faults.large_page_chunks():
        writer.write(piece)
        await writer.drain()


async def _send_stall(writer: asyncio.StreamWriter, head: bytes) -> None:
    writer.write(head)
    await writer.drain()
    await asyncio.sleep(faults.STALL_SECONDS)


async def _send_reset(writer: asyncio.StreamWriter, head: bytes, payload: bytes) -> None:
    """Send half the body, let it reach the peer, then close with RST (SO_LINGER 0)."""
    writer.write(head + payload[: len(payload) // 2])
    await writer.drain()
    while writer.transport.get_write_buffer_size():
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.05)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _http_now() -> str:
    return _http_date_of_second(int(time.time()))


@lru_cache(maxsize=2)
def _http_date_of_second(second: int) -> str:
    return formatdate(second, usegmt=True)


def _tokens(value: str) -> set[str]:
    return {token.strip().lower() for token in value.split(",") if token.strip()}


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@lru_cache(maxsize=4096)
def _http_date(moment: datetime) -> str:
    return formatdate(_as_utc(moment).timestamp(), usegmt=True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def serve(network: Network, port: int, on_ready: Callable[[int], None]) -> None:
    """Serve until SIGTERM or SIGINT; ``on_ready(port)`` runs once the socket listens.

    Raises CannotListen when the port cannot be bound.
    """
    asyncio.run(_serve(MirrorServer(network), port, on_ready))


async def _serve(server: MirrorServer, port: int, on_ready: Callable[[int], None]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        try:
            bound_port = await server.start(port)
        except OSError as exc:
            raise CannotListen(exc.errno, exc.strerror or str(exc)) from exc
        on_ready(bound_port)
        await stop.wait()
    finally:
        await server.close()
