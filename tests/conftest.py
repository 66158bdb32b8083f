"""Shared fixtures: the bundled corpus, the gold folder, a CLI runner and database helpers."""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhengce.cli import app
from zhengce.corpus.parse import ParsedDocument, bundled_corpus, parse_source
from zhengce.corpus.text import SourceText, read_source

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "gold"
CORPUS = bundled_corpus()
F003 = "003_984d27a47f4e90c5.txt"


@lru_cache(maxsize=None)
def source(name: str) -> SourceText:
    return read_source(CORPUS / name)


@lru_cache(maxsize=None)
def parsed(name: str) -> tuple[ParsedDocument, ...]:
    return tuple(parse_source(source(name)))


def doc_at(name: str, line: int) -> ParsedDocument:
    return next(d for d in parsed(name) if d.span.start_line == line)


@pytest.fixture
def gold() -> Path:
    if not (GOLD / "documents.tsv").exists():
        pytest.skip(f"gold annotations not found at {GOLD}")
    return GOLD


def load_bench(name: str):
    """Import a bench/ script as a module (scorers are shared by bench and tests)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str):
        return self.runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def cli() -> Cli:
    return Cli()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


@pytest.fixture(scope="session")
def ingested_db(tmp_path_factory) -> Path:
    """A database holding the bundled corpus, shared read-only by tests."""
    db = tmp_path_factory.mktemp("db") / "corpus.db"
    result = Cli()("ingest", "--db", db)
    assert result.exit_code == 0, result.output
    return db
