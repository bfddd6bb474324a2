"""warcio reads ``Content-Encoding: br`` payloads with Google's brotli too.

warcio's brotli reader is written for brotlipy (``Decompressor.decompress``,
``unused_data``); Scrapy needs Google's brotli, which installs the same module name
with another interface (``Decompressor.process``), so warcio, and cdxj-indexer and
py-wacz through it, fail on a brotli-encoded record (warcio#73). The crawl does not ask
for brotli, but a server may send it anyway, or another tool's WARC hold it.
:func:`install` gives warcio a decompressor with brotlipy's interface over Google's
brotli; importing :mod:`archive` calls it.
"""

from __future__ import annotations

import brotli
from warcio.bufferedreaders import BufferedReader


class BrotliDecompressor:
    """brotlipy's ``Decompressor`` interface, as warcio's ``BufferedReader`` uses it."""

    unused_data = None

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        return self._decompressor.process(data)

    def flush(self) -> bytes:
        return b""


def install() -> None:
    """Make warcio decode brotli with Google's brotli, unless brotlipy is what is
    installed (pywb's virtualenv), which warcio reads as it is."""
    if not hasattr(brotli.Decompressor, "decompress"):
        BufferedReader.DECOMPRESSORS["br"] = BrotliDecompressor
