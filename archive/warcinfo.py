"""Read what a WARC file's warcinfo record says about the crawl that wrote it."""

from __future__ import annotations

import os
import re

from warcio.archiveiterator import ArchiveIterator

#: The crawler's ``isPartOf`` field: ``news-archive run <run id>``.
RUN_PART_OF = re.compile(r"^news-archive run (?P<run>\S+)$")


def read_warcinfo(path: str | os.PathLike) -> dict[str, str]:
    """The ``name: value`` fields of the first record of ``path`` if it is a warcinfo
    record (empty dict otherwise); a repeated name keeps its first value."""
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "warcinfo":
                return {}
            text = record.content_stream().read().decode("utf-8", "replace")
            return parse_fields(text)
    return {}


def parse_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            fields.setdefault(name.strip(), value.strip())
    return fields


def part_of(run: str) -> str:
    """The ``isPartOf`` field naming the crawl run ``run`` (what :func:`run_id` reads)."""
    return f"news-archive run {run}"


def run_id(fields: dict[str, str]) -> str | None:
    """The crawl run a warcinfo record names in ``isPartOf`` (None if it names none)."""
    match = RUN_PART_OF.match(fields.get("isPartOf", ""))
    return match["run"] if match else None
