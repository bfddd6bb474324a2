"""Signals of the news-archive crawler (sent with ``crawler.signals.send_catch_log``).

``response_archived``: a response and its request were written to WARC. Sent by
:class:`crawler.capture.WarcCapture` right after writing, once per network exchange
(each redirect hop, retry and robots.txt included), with keyword arguments:

- ``response``: the Scrapy response as downloaded (body still content-encoded),
- ``exchange``: the :class:`archive.exchange.HttpExchange` that was written,
- ``record``: the :class:`archive.writer.WrittenRecord` of the response record,
- ``spider``: the running spider.
"""

response_archived = object()
