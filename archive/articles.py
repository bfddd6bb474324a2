"""The article record's JSON Schema (``archive/schema/article-v1.json``), loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

SCHEMA_VERSION = "article-v1"


@cache
def article_schema() -> dict:
    """The JSON Schema of one JSONL article record."""
    return json.loads(
        files("archive").joinpath("schema", f"{SCHEMA_VERSION}.json").read_text("utf-8")
    )
