"""`news-archive check` passes a real crawl and reports each kind of damage precisely."""

from __future__ import annotations

import json

import pytest

from tests.tools_fixtures import (
    CrawledArchive,
    gzip_member,
    member_content,
    members,
    record_type,
    shared_crawl,  # noqa: F401 (fixture)
    tool,
)


@pytest.fixture
def archive(shared_crawl, tmp_path) -> CrawledArchive:  # noqa: F811
    """A copy of the crawl to break."""
    return shared_crawl.copy(tmp_path / "out")


def check(*paths):
    result = tool("check", *paths)
    return result.returncode, result.stdout.splitlines(), result.stderr


def warc_with_stories(archive: CrawledArchive):
    """The WARC file holding the first article's response record, and that pointer."""
    pointer = archive.articles()[0]["warc"]
    return archive.root / "warc" / pointer["filename"], pointer


def splice(path, offset, old_length, new_bytes):
    data = path.read_bytes()
    path.write_bytes(data[:offset] + new_bytes + data[offset + old_length:])


def test_a_fresh_crawl_has_no_problem(shared_crawl):  # noqa: F811
    code, lines, stderr = check(shared_crawl.root)
    assert (code, lines) == (0, []), lines
    files = len(shared_crawl.warc_files) + 1
    assert f"{files} file(s), no problems" in stderr


def test_truncated_member_is_reported_with_its_offset(archive):
    warc = archive.warc_files[-1]
    last_offset, last = members(warc)[-1]
    warc.write_bytes(warc.read_bytes()[: last_offset + len(last) // 2])
    code, lines, _ = check(warc)
    assert code == 1
    assert f"{warc}: offset {last_offset}: " in lines[0]
    assert "not a whole gzip member" in lines[0] or "does not hold one whole record" in lines[0]


def test_flipped_payload_byte_fails_the_digest(archive):
    warc, pointer = warc_with_stories(archive)
    offset, raw = next((o, m) for o, m in members(warc) if o == pointer["offset"])
    content = bytearray(member_content(raw))
    content[-10] ^= 0x01  # inside the HTML payload, before the record's closing CRLFs
    splice(warc, offset, len(raw), gzip_member(bytes(content)))
    code, lines, _ = check(warc)
    assert code == 1
    assert any(
        line.startswith(f"{warc}: offset {offset}: digest: payload digest failed")
        for line in lines
    ), lines
    code, lines, _ = check(archive.jsonl())
    assert code == 1
    where = f"{archive.jsonl()}: line 1: warc: record at offset {offset} of {warc.name}"
    assert any(line.startswith(f"{where}: its payload has digest ") for line in lines), lines


def test_flipped_compressed_byte_breaks_the_member(archive):
    warc, pointer = warc_with_stories(archive)
    data = bytearray(warc.read_bytes())
    data[pointer["offset"] + pointer["length"] // 2] ^= 0xFF
    warc.write_bytes(bytes(data))
    code, lines, _ = check(warc)
    assert code == 1
    assert lines[0].startswith(f"{warc}: offset {pointer['offset']}: "), lines


def test_dropped_request_leaves_its_response_unpaired(archive):
    warc, pointer = warc_with_stories(archive)
    found = members(warc)
    index = next(i for i, (o, _) in enumerate(found) if o == pointer["offset"])
    request_offset, request = found[index + 1]
    assert record_type(request) == "request"
    splice(warc, request_offset, len(request), b"")
    code, lines, _ = check(warc)
    assert code == 1
    assert (
        f"{warc}: offset {pointer['offset']}: response has no request record "
        "(none names it in WARC-Concurrent-To)"
    ) in lines


def test_stripped_warcinfo_is_reported(archive):
    warc = archive.warc_files[0]
    _, warcinfo = members(warc)[0]
    assert record_type(warcinfo) == "warcinfo"
    splice(warc, 0, len(warcinfo), b"")
    code, lines, _ = check(warc)
    assert code == 1
    assert lines[0].startswith(f"{warc}: offset 0: first record is ")
    assert lines[0].endswith(", not warcinfo")


def rewrite_jsonl(archive, edit):
    """Apply ``edit(lines)`` to the run's JSONL file (a list of raw text lines)."""
    path = archive.jsonl()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    edit(lines)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def edit_record(lines, number, change):
    record = json.loads(lines[number - 1])
    change(record)
    lines[number - 1] = json.dumps(record) + "\n"


def test_corrupt_jsonl_lines_are_reported_by_line(archive):
    assert len(archive.articles()) >= 2

    def edit(lines):
        lines[0] = lines[0][: len(lines[0]) // 2] + "\n"
        edit_record(lines, 2, lambda record: record.update(status="200", published="April 1"))

    path = rewrite_jsonl(archive, edit)
    code, lines, _ = check(archive.root)
    assert code == 1
    assert any(line.startswith(f"{path}: line 1: not a JSON line") for line in lines), lines
    assert f"{path}: line 2: schema: at /published: 'April 1' does not match " in "\n".join(lines)
    assert f"{path}: line 2: schema: at /status: '200' is not of type 'integer'" in lines


def test_pointer_at_a_wrong_offset_or_digest_is_reported(archive):
    articles = archive.articles()
    assert len(articles) >= 2
    first, second = articles[0]["warc"], articles[1]["warc"]

    def edit(lines):
        edit_record(lines, 1, lambda record: record["warc"].update(offset=first["offset"] + 7))
        edit_record(
            lines, 2, lambda record: record["warc"].update(payload_digest="sha1:" + "A" * 32)
        )

    path = rewrite_jsonl(archive, edit)
    code, lines, _ = check(path)
    assert code == 1
    assert (
        f"{path}: line 1: warc: no WARC record at offset {first['offset'] + 7} "
        f"of {first['filename']}"
    ) in lines
    assert (
        f"{path}: line 2: warc: record at offset {second['offset']} of {second['filename']} "
        f"has payload_digest {second['payload_digest']}, the line says sha1:{'A' * 32}"
    ) in lines


def test_pointer_at_another_record_is_reported(archive):
    articles = archive.articles()
    other = articles[1]["warc"]

    def edit(lines):
        edit_record(lines, 1, lambda record: record["warc"].update(other))

    path = rewrite_jsonl(archive, edit)
    code, lines, _ = check(path)
    assert code == 1
    assert any(
        line.startswith(f"{path}: line 1: warc: record at offset {other['offset']}")
        and f"the line's url is {articles[0]['url']}" in line
        for line in lines
    ), lines


def test_missing_path_and_foreign_file(tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("hello")
    code, lines, _ = check(tmp_path / "nowhere", stray)
    assert code == 1
    assert lines == [
        f"{tmp_path / 'nowhere'}: file: no such file or directory",
        f"{stray}: file: neither a WARC (.warc.gz) nor a JSONL (.jsonl) file",
    ]


def test_a_directory_with_only_files_left_open_says_so(tmp_path):
    (tmp_path / "out" / "warc").mkdir(parents=True)
    (tmp_path / "out" / "warc" / "news-archive-1-00000-host.warc.gz.open").write_bytes(b"")
    code, lines, _ = check(tmp_path / "out")
    assert code == 1
    assert lines == [
        f"{tmp_path / 'out'}: file: no closed WARC or JSONL files in it, only 1 WARC file(s) "
        "a run left open (still running, or killed: the next crawl into it mends them)"
    ]


def test_files_left_open_beside_finished_ones_are_noted_not_checked(archive):
    """A killed crawl's `.open` WARC and JSONL spool: no problem (the next crawl mends
    them), but check says they are there and were not checked."""
    warc_open = archive.warc_files[0].with_name("news-archive-9-00000-host.warc.gz.open")
    warc_open.write_bytes(b"\x1f\x8b\x08\x00cut short")
    spool = archive.root / "jsonl" / "9.jsonl.open"
    spool.write_text('{"torn": ')
    code, lines, stderr = check(archive.root)
    assert code == 0 and lines == []
    for path in (warc_open, spool):
        assert f"note: {path}: left open by a crawl that is running or was killed" in stderr


def test_a_story_line_repeated_is_a_problem_but_its_next_version_is_not(archive):
    path = archive.jsonl()
    first = path.read_text().splitlines()[0]
    story = json.loads(first)
    path.write_text(first + "\n" + first + "\n")
    code, lines, _ = check(path)
    assert code == 1
    assert lines == [f"{path}: line 2: id {story['id']} version 1 already on line 1"]
    edited = {**story, "version": 2, "change": "text", "previous": {
        "record_id": story["warc"]["record_id"], "filename": story["warc"]["filename"],
        "offset": story["warc"]["offset"], "fetched_at": story["fetched_at"],
        "url": story["url"]}}
    path.write_text(first + "\n" + json.dumps(edited) + "\n")
    assert check(path)[:2] == (0, [])


def test_a_jsonl_file_outside_an_archive_has_its_lines_checked_not_its_pointers(
    archive, tmp_path
):
    """An `extract -o FILE` output anywhere: no archive to look the pointers up in (the
    folder around it is not searched for WARC files), and check says so."""
    alone = tmp_path / "elsewhere" / "articles.jsonl"
    alone.parent.mkdir()
    alone.write_bytes(archive.jsonl().read_bytes())
    code, lines, stderr = check(alone)
    assert (code, lines) == (0, [])
    assert f"note: {alone}: in no archive directory's jsonl/ folder" in stderr
    alone.write_text(alone.read_text() + '{"id": "torn"')
    code, lines, _ = check(alone)
    assert code == 1 and any("last line is not terminated" in line for line in lines)
