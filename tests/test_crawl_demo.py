"""`news-archive demo`: replica, crawl and summary, run for real on a small replica."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.crawl_fixtures import read_warc


def test_demo_runs_to_the_end_and_explains_what_it_archived(tmp_path):
    out = tmp_path / "demo-archive"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "demo", "--out", str(out),
         "--articles-per-site", "4"],
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    text = result.stdout
    assert "Serving the offline replica on http://127.0.0.1:" in text
    stories = int(re.search(r"^\s+(\d+)\s+story pages", text, re.MULTILINE)[1])
    assert stories >= 3 * 4
    for label in ("home pages and section listings", "feeds", "page requisites", "robots.txt"):
        assert label in text
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    assert warcs
    for path in warcs:
        assert path.name in text
    archived = sum(1 for path in warcs for r in read_warc(path) if r.type == "response")
    assert f"HTTP responses archived: {archived}" in text
    assert "warcio index" in text and "The crawl finished normally." in text
    log = Path(re.search(r"^Crawl log: (.+)$", text, re.MULTILINE)[1])
    assert log.parent == out / "logs" and "Spider opened" in log.read_text()
    assert list((out / "logs").iterdir()) == [log]  # one log, not a second copy


def test_second_demo_run_says_nothing_new_was_stored(tmp_path):
    out = tmp_path / "demo-archive"
    command = [sys.executable, "-m", "crawler.cli", "demo", "--out", str(out),
               "--articles-per-site", "3"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=240)
    second = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert first.returncode == second.returncode == 0, second.stdout[-2000:] + second.stderr
    new = re.search(r"stories this run: (\d+) new, 0 changed", first.stdout)
    assert new and int(new[1]) >= 9
    assert f"stories this run: 0 new, 0 changed, 0 unchanged; {new[1]} archived by earlier" \
        in second.stdout
    assert "revisit records" in second.stdout and "revisit records" not in first.stdout
