"""Conditional requests follow the URL they were made for, not a redirect's target."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import Request, Response

from archive.state import UrlState
from crawler.incremental import ARCHIVED_KEY, CONDITIONAL_KEY, ConditionalRequests

LISTING = "http://www.spacewar.com/archive/nuclear/index.html"
ARCHIVED = UrlState(url=LISTING, fetched_at=datetime(2026, 1, 1, tzinfo=UTC), status=200,
                    etag='"abc"', last_modified="Thu, 01 Jan 2026 00:00:00 GMT")


def request_for(url: str) -> Request:
    return Request(url, meta={ARCHIVED_KEY: ARCHIVED, CONDITIONAL_KEY: True})


def test_validators_are_sent_for_the_url_they_belong_to():
    request = request_for(LISTING)
    ConditionalRequests(state=None).process_request(request)
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.headers[b"If-Modified-Since"] == ARCHIVED.last_modified.encode()


def test_a_redirect_hop_sends_no_validators_and_keeps_its_own_304():
    hop = request_for(LISTING.replace("index", "moved"))
    hop.headers["If-None-Match"] = '"abc"'  # copied by RedirectMiddleware from the first hop
    middleware = ConditionalRequests(state=None)
    middleware.process_request(hop)
    assert b"If-None-Match" not in hop.headers and b"If-Modified-Since" not in hop.headers
    not_modified = Response(hop.url, status=304, request=hop)
    assert middleware.process_response(hop, not_modified) is not_modified
