"""Damaged copies of every page in ``tests/pages``: extraction never raises, and damage a
browser does not show changes nothing.

A crawl meets truncated bodies, flipped bytes, control characters, stray comments and
templates that close the page early. Each page is damaged in a few fixed, seeded ways
(the same on every run); a record that comes out must still be JSON and hold no control
characters. Where a browser shows the page unchanged (a comment before every link's end
and every paragraph, a "</body></html>" mid-page), the record must be the undamaged
page's, field for field.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from crawler.extraction.article import extract_response

PAGES = sorted((Path(__file__).parent / "pages").glob("*.html"))
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Markup a damaged page may hold anywhere: comments, early end tags, a processing
#: instruction, a numeric reference to a control character (complete or cut short),
#: image and link addresses Python cannot split.
DEBRIS = (b"<!-- c -->", b"</html>", b"</body>", b"<p>", b"</td>", b"<br>", b"<?pi x?>",
          b"&#8", b"&#x1b;", b'<img src="http://[x/a.jpg">', b'<a href="http://[::1">x</a>')


def _truncated(page: bytes, rng: random.Random) -> bytes:
    return page[:rng.randrange(len(page))]


def _with_control_bytes(page: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(page)
    for _ in range(20):
        damaged.insert(rng.randrange(len(damaged)), rng.choice(b"\x00\x01\x0b\x0c\x1a\x7f\x9d"))
    return bytes(damaged)


def _with_flipped_bytes(page: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(page)
    for _ in range(50):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    return bytes(damaged)


def _with_debris(page: bytes, rng: random.Random) -> bytes:
    for _ in range(10):
        at = rng.randrange(len(page))
        page = page[:at] + rng.choice(DEBRIS) + page[at:]
    return page


def _extract(path: Path, payload: bytes):
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    headers = [tuple(header) for header in truth["headers"]]
    return extract_response(truth["url"], 200, headers, payload)


@pytest.mark.parametrize("damage", [_truncated, _with_control_bytes, _with_flipped_bytes,
                                    _with_debris], ids=lambda damage: damage.__name__)
def test_no_damaged_page_makes_extraction_raise(damage):
    failures = []
    for path in PAGES:
        payload = damage(path.read_bytes(), random.Random(path.stem))
        try:
            article = _extract(path, payload).article
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            failures.append(f"{path.stem}: {type(error).__name__}: {error}")
            continue
        if article is not None and CONTROL.search(json.dumps(article, ensure_ascii=False)):
            failures.append(f"{path.stem}: a control character in the record")
    assert failures == []


def test_comments_before_every_link_end_and_paragraph_change_nothing():
    """Comments show nothing; trafilatura used to drop the text after one at a link's
    end, and the changed bytes once made detection guess a DOS code page (v109)."""
    changed = []
    for path in PAGES:
        page = path.read_bytes()
        commented = page.replace(b"</a>", b"<!-- c --></a>").replace(b"<p>", b"<!-- c --><p>")
        if _extract(path, commented).article != _extract(path, page).article:
            changed.append(path.stem)
    assert changed == []


def test_a_page_closed_early_reads_on_as_in_a_browser():
    """"</body></html>" mid-page (a template's include closing it early): a browser reads
    on in the same body; libxml2 alone closes every open element there, or starts a
    second top-level `<html>` whose story the extractor did not see (and crashed on)."""
    changed = []
    for path in PAGES:
        page = path.read_bytes()
        original = _extract(path, page).article
        for share in (0.25, 0.5, 0.75):
            at = page.find(b"<", int(len(page) * share))
            closed = page[:at] + b"</body></html>" + page[at:]
            if _extract(path, closed).article != original:
                changed.append(f"{path.stem} at {share}")
    assert changed == []
