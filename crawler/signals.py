"""Signals of the news-archive crawler (sent with ``crawler.signals.send_catch_log``).

``response_archived``: a response and its request were written to WARC as a full
record. Sent by :class:`crawler.capture.WarcCapture` right after writing, once per
network exchange (each redirect hop, retry and robots.txt included) that was not written
as a revisit record; and for an identical-payload revisit of a story whose JSONL line
does not exist yet, with ``record`` = the original record (so it is extracted). Keyword
arguments:

- ``response``: the Scrapy response as downloaded (body still content-encoded),
- ``exchange``: the :class:`archive.exchange.HttpExchange` that was written,
- ``record``: the :class:`archive.writer.WrittenRecord` of the response record,
- ``spider``: the running spider.
"""

response_archived = object()

#: An archived response sent to extraction is done with: its JSONL line (if it is an
#: article) is written. Sent by the extraction extension with keyword argument ``url``.
capture_extracted = object()
