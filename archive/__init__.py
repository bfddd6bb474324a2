"""WARC files, JSONL records, indexes and checks, usable without Scrapy."""

from archive import brotli_compat

brotli_compat.install()
