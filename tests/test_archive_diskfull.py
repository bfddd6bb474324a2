"""A full disk (RLIMIT_FSIZE in a subprocess) stops writing with a clear error and leaves
every file whole: earlier records intact, no partial record or line at the end."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from archive.check import check_warc
from archive.jsonl import iter_jsonl
from archive.reader import iter_records
from tests.archive_fixtures import gzip_test, warcio_check

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import json, os, random, resource, signal, sys
    from archive.jsonl import JsonlWriteError, JsonlWriter
    from archive.writer import ArchiveWriteError, WarcFileWriter
    from tests.archive_fixtures import make_exchange

    directory, limit = sys.argv[1], int(sys.argv[2])
    exchanges = [make_exchange(f"/r/{i}.html", payload=random.randbytes(900 + 37 * i))
                 for i in range(200)]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = {"written": 0, "lines": 0}
    writer = WarcFileWriter(directory)
    try:
        for exchange in exchanges:
            writer.write_exchange(exchange)
            result["written"] += 1
    except ArchiveWriteError as error:
        result["error"], result["errno"] = str(error), error.errno
    writer.close()

    with JsonlWriter(os.path.join(directory, "articles.jsonl")) as lines:
        try:
            for i in range(100000):
                lines.write({"i": i, "text": "caf\\u00e9 " * (i % 50)})
                result["lines"] += 1
        except JsonlWriteError as error:
            result["jsonl_error"] = str(error)
    print(json.dumps(result))
    """
)


def run_child(directory: Path, limit: int) -> dict:
    process = subprocess.run(
        [sys.executable, "-c", CHILD, str(directory), str(limit)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_disk_full_keeps_earlier_records_and_a_valid_file(tmp_path):
    limit = 30_000
    result = run_child(tmp_path, limit)
    assert result["written"] >= 5
    assert result["errno"] == 27  # EFBIG
    assert "File too large" in result["error"]
    assert "cut back to its last whole record" in result["error"]

    (warc,) = tmp_path.glob("*.warc.gz")
    assert not list(tmp_path.glob("*.open"))
    assert warc.stat().st_size <= limit
    assert gzip_test(warc).returncode == 0
    check = warcio_check(warc)
    assert check.returncode == 0, check.stdout
    assert check_warc(warc) == []
    records = list(iter_records(warc))
    assert len(records) == 1 + 2 * result["written"]
    assert records[-1].offset + records[-1].length == warc.stat().st_size

    jsonl = tmp_path / "articles.jsonl"
    assert "could not append a line" in result["jsonl_error"]
    assert jsonl.read_bytes().endswith(b"\n")
    assert [row["i"] for row in iter_jsonl(jsonl)] == list(range(result["lines"]))


def test_disk_full_before_the_warcinfo_fits_leaves_no_file(tmp_path):
    result = run_child(tmp_path, 100)
    assert result["written"] == 0
    assert result["errno"] == 27
    assert not list(tmp_path.glob("*.warc.gz*"))
