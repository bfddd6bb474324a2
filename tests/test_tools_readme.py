"""The README's "Tools" section works as written: its `news-archive export` commands run
on a real crawl, then each of its Python examples (pandas, DuckDB, Hugging Face
`datasets`, offline) loads what they wrote."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools_fixtures import CrawledArchive, shared_crawl, tool  # noqa: F401 (fixture)

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Tools: index, package, check, export"
SNIPPET_TIMEOUT_SECONDS = 180


def section_blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start:end if end >= 0 else len(text)]
    return re.findall(rf"^```{language}\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)


def export_commands() -> list[list[str]]:
    """The README's `news-archive export ...` lines, as argument lists."""
    commands = []
    for block in section_blocks("sh"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:2] == ["news-archive", "export"]:
                commands.append(words[1:])
    return commands


@pytest.fixture(scope="module")
def exported(shared_crawl, tmp_path_factory) -> tuple[CrawledArchive, Path]:  # noqa: F811
    """The crawl, exported by the README's own commands into a working directory."""
    base = tmp_path_factory.mktemp("readme")
    archive = shared_crawl
    workdir = base / "work"
    workdir.mkdir()
    commands = export_commands()
    assert len(commands) >= 2
    for words in commands:
        words = [str(archive.root) if word == "OUT" else word for word in words]
        result = tool(*words, cwd=workdir)
        assert result.returncode == 0, (words, result.stderr)
    return archive, workdir


def run_snippet(code: str, workdir: Path) -> str:
    env = {
        **os.environ,
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(workdir / "hf-home"),
        "HF_DATASETS_CACHE": str(workdir / "hf-cache"),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True,
        timeout=SNIPPET_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def snippet_using(module: str) -> str:
    (code,) = [
        block for block in section_blocks("python")
        if re.search(rf"^(import {module}|from {module} import)", block, flags=re.MULTILINE)
    ]
    return code


def test_readme_export_commands_wrote_both_files(exported):
    archive, workdir = exported
    assert (workdir / "articles.parquet").is_file()
    assert (workdir / "articles.parquet.md").is_file()
    lines = (workdir / "versions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(archive.articles())


def test_pandas_example(exported):
    archive, workdir = exported
    output = run_snippet(snippet_using("pandas"), workdir)
    first = min(archive.articles(), key=lambda a: (a["fetched_at"], a["id"]))
    assert first["site"] in output
    assert re.search(rf"^count\s+{len(archive.articles())}\.0$", output, flags=re.MULTILINE)


def test_duckdb_example(exported):
    archive, workdir = exported
    output = run_snippet(snippet_using("duckdb"), workdir)
    for site in {article["site"] for article in archive.articles()}:
        assert site in output
    assert f"stories: {len({a['id'] for a in archive.articles()})}\n" in output


def test_hugging_face_datasets_example(exported):
    archive, workdir = exported
    output = run_snippet(snippet_using("datasets"), workdir)
    count = len(archive.articles())
    assert output.startswith(f"{count} {count} ")
    assert "date32" in output  # related_reports.published, as the Parquet schema says
