"""archive.jsonl: whole-line appends, repair of a torn last line, reading back."""

from __future__ import annotations

import json

import pytest

from archive.jsonl import JsonlWriter, iter_jsonl, repair_jsonl

ROWS = [
    {"url": "http://www.spacewar.com/reports/A_999.html", "title": "Caf\u00e9 \u2019launch\u2019"},
    {"url": "http://www.spacedaily.com/news/x-02c.html", "text": "line\nbreak", "n": 2},
    {"nested": {"list": [1, 2.5, None, True]}, "emoji": "\U0001f680"},
]


def test_lines_are_utf8_json_one_per_line(tmp_path):
    path = tmp_path / "out" / "articles.jsonl"
    with JsonlWriter(path) as writer:
        for row in ROWS:
            writer.write(row)
        assert writer.lines_written == 3
    raw = path.read_bytes()
    assert raw.count(b"\n") == 3 and raw.endswith(b"\n")
    assert "Caf\u00e9".encode() in raw and b"\\u00e9" not in raw
    assert [json.loads(line) for line in raw.decode("utf-8").splitlines()] == ROWS
    assert list(iter_jsonl(path)) == ROWS


def test_appends_to_an_existing_file(tmp_path):
    path = tmp_path / "a.jsonl"
    with JsonlWriter(path) as writer:
        writer.write(ROWS[0])
    with JsonlWriter(path, fsync=True) as writer:
        writer.write(ROWS[1])
    assert list(iter_jsonl(path)) == ROWS[:2]


def test_repair_removes_a_partial_last_line(tmp_path):
    path = tmp_path / "a.jsonl"
    whole = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in ROWS)
    path.write_bytes(whole + b'{"url": "http://www.sp')
    assert repair_jsonl(path) == len(b'{"url": "http://www.sp')
    assert path.read_bytes() == whole
    assert repair_jsonl(path) == 0
    assert repair_jsonl(tmp_path / "missing.jsonl") == 0


def test_repair_of_a_file_with_no_whole_line_empties_it(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": ' + b"x" * 200_000)
    assert repair_jsonl(path) == 200_006
    assert path.read_bytes() == b""


def test_writer_repairs_a_torn_file_before_appending(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"ok": 1}\n{"torn": ')
    with JsonlWriter(path) as writer:
        writer.write({"ok": 2})
    assert list(iter_jsonl(path)) == [{"ok": 1}, {"ok": 2}]


def test_big_line_is_written_whole(tmp_path):
    path = tmp_path / "a.jsonl"
    big = {"text": "\u00e9" * 3_000_000}
    with JsonlWriter(path) as writer:
        writer.write(big)
    assert list(iter_jsonl(path)) == [big]


def test_bad_line_and_closed_writer_are_clear_errors(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"ok": 1}\n\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"a\.jsonl:3: not a JSON line"):
        list(iter_jsonl(path))
    writer = JsonlWriter(tmp_path / "b.jsonl")
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write({})
