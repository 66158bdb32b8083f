"""The ingest/docs/show commands: idempotence, versions, JSON contract and bad input."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import CORPUS, F003, file_digest

SUMMARY_KEYS = {
    "id", "file", "start_line", "title", "issuer", "doc_number", "issued", "effective", "expires",
    "jurisdiction", "kind", "duplicate_of",
}  # fmt: skip


def test_docs_json_lists_every_document_with_the_contract_fields(cli, ingested_db):
    res = cli("docs", "--db", ingested_db, "--json")
    assert res.exit_code == 0, res.output
    docs = json.loads(res.stdout)
    assert len(docs) == 44
    for d in docs:
        assert SUMMARY_KEYS <= set(d)
    dup = [d for d in docs if d["duplicate_of"]]
    assert len(dup) == 1 and dup[0]["start_line"] == 718
    assert next(d for d in docs if d["id"] == dup[0]["duplicate_of"])["start_line"] == 656


def test_show_json_tree_is_exact_original_text(cli, ingested_db):
    docs = json.loads(cli("docs", "--db", ingested_db, "--json").stdout)
    target = next(d for d in docs if d["file"] == F003 and d["start_line"] == 241)
    res = cli("show", target["id"], "--db", ingested_db, "--json")
    assert res.exit_code == 0, res.output
    detail = json.loads(res.stdout)
    text = (CORPUS / F003).read_text(encoding="utf-8")

    def leaves(node):
        if not node["children"]:
            yield node
        for c in node["children"]:
            yield from leaves(c)

    n = 0
    for leaf in leaves(detail["tree"]):
        assert leaf["text"] == text[leaf["start_offset"] : leaf["end_offset"]]
        n += 1
    assert n > 24
    assert detail["expires"] == "2027-02-28"
    human = cli("show", target["id"], "--db", ingested_db)
    assert human.exit_code == 0 and "第二十四条" in human.stdout


def test_stored_document_text_equals_the_original_slice(ingested_db):
    conn = sqlite3.connect(ingested_db)
    rows = conn.execute(
        "SELECT d.text, d.start_offset, d.end_offset, f.text FROM documents d JOIN files f ON f.id = d.file_id"
    ).fetchall()
    assert len(rows) == 44
    for doc_text, s, e, file_text in rows:
        assert doc_text == file_text[s:e]
    bad = conn.execute(
        "SELECT COUNT(*) FROM nodes n JOIN documents d ON d.rowid = n.document_rowid JOIN files f ON f.id = d.file_id"
        " WHERE n.text != substr(f.text, n.start_offset + 1, n.end_offset - n.start_offset)"
    ).fetchone()[0]
    assert bad == 0


def test_ingest_is_idempotent(cli, tmp_path):
    db = tmp_path / "z.db"
    assert cli("ingest", "--db", db).exit_code == 0
    before = sqlite3.connect(db).execute("SELECT COUNT(*), SUM(version) FROM documents").fetchone()
    res = cli("ingest", "--db", db)
    assert res.exit_code == 0 and "5 unchanged" in res.stdout
    assert sqlite3.connect(db).execute("SELECT COUNT(*), SUM(version) FROM documents").fetchone() == before


def test_changed_file_becomes_new_version_and_old_stays_queryable(cli, tmp_path):
    db = tmp_path / "z.db"
    f = tmp_path / "001_4ab648cdb3ed3e85.txt"
    shutil.copy(CORPUS / f.name, f)
    assert cli("ingest", f, "--db", db).exit_code == 0
    f.write_text(f.read_text(encoding="utf-8").replace("2020 年 1 月 1 日起执行", "2021 年 1 月 1 日起执行"), encoding="utf-8")
    res = cli("ingest", f, "--db", db)
    assert res.exit_code == 0 and "1 changed" in res.stdout
    new = json.loads(cli("show", "001_4ab648cdb3ed3e85:01", "--db", db, "--json").stdout)
    old = json.loads(cli("show", "001_4ab648cdb3ed3e85:01", "--db", db, "--json", "--version", "1").stdout)
    assert (old["version"], old["effective"]) == (1, "2020-01-01")
    assert (new["version"], new["effective"]) == (2, "2021-01-01")
    assert new["versions"] == [1, 2]
    assert len(json.loads(cli("docs", "--db", db, "--json").stdout)) == 1
    assert len(json.loads(cli("docs", "--db", db, "--json", "--all-versions").stdout)) == 2


def test_gbk_file_is_detected_and_decoded(cli, tmp_path):
    db = tmp_path / "z.db"
    f = tmp_path / "001_gbk.txt"
    f.write_bytes((CORPUS / "001_4ab648cdb3ed3e85.txt").read_text(encoding="utf-8").encode("gb18030"))
    res = cli("ingest", f, "--db", db)
    assert res.exit_code == 0, res.output
    docs = json.loads(cli("docs", "--db", db, "--json").stdout)
    assert docs[0]["doc_number"] == "苏委发〔2020〕1号"


def _bad_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"\n\n  \n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 64)
    long_line = tmp_path / "long.txt"
    long_line.write_bytes(("苏州市" + "长" * (5 * 1024 * 1024 // 3)).encode("utf-8"))
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"\xff\xfe\x80\x81 not text at all \x9f" * 100)
    return {
        "missing": (tmp_path / "nope.txt", "no such file"),
        "empty": (empty, "empty"),
        "blank": (blank, "empty"),
        "binary": (binary, "binary"),
        "long line": (long_line, "characters long"),
        "undecodable": (latin, "undecodable"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "blank", "binary", "long line", "undecodable"])
def test_bad_input_one_line_error_nonzero_exit_database_untouched(cli, tmp_path, case):
    db = tmp_path / "z.db"
    assert cli("ingest", CORPUS / "001_4ab648cdb3ed3e85.txt", "--db", db).exit_code == 0
    before = file_digest(db)
    path, words = _bad_inputs(tmp_path)[case]
    res = cli("ingest", CORPUS / "000_dbddc715565796ea.txt", path, "--db", db)
    assert res.exit_code != 0
    message = res.stderr.strip()
    assert "\n" not in message and words in message, message
    assert file_digest(db) == before


def test_skip_bad_ingests_the_rest_and_reports(cli, tmp_path):
    db = tmp_path / "z.db"
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    res = cli("ingest", CORPUS / "000_dbddc715565796ea.txt", empty, "--db", db, "--skip-bad")
    assert res.exit_code == 1
    assert "empty.txt: file is empty" in res.stderr
    assert len(json.loads(cli("docs", "--db", db, "--json").stdout)) == 1


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\x00\xff" * 500])
def test_corrupt_database_is_refused_and_left_alone(cli, tmp_path, content):
    db = tmp_path / "z.db"
    db.write_bytes(content)
    before = file_digest(db)
    res = cli("ingest", CORPUS / "001_4ab648cdb3ed3e85.txt", "--db", db)
    assert res.exit_code != 0
    assert "database" in res.stderr and "\n" not in res.stderr.strip()
    assert file_digest(db) == before
    assert cli("docs", "--db", db).exit_code != 0


def test_foreign_sqlite_database_is_refused(cli, tmp_path):
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    before = file_digest(db)
    res = cli("ingest", CORPUS / "001_4ab648cdb3ed3e85.txt", "--db", db)
    assert res.exit_code != 0 and "not a zhengce" in res.stderr
    assert file_digest(db) == before


def test_unknown_document_and_missing_database_errors(cli, ingested_db, tmp_path):
    res = cli("show", "nope:01", "--db", ingested_db)
    assert res.exit_code != 0 and "no document 'nope:01'" in res.stderr
    res = cli("docs", "--db", tmp_path / "absent.db")
    assert res.exit_code != 0 and "run `zhengce ingest` first" in res.stderr
    assert not (tmp_path / "absent.db").exists()


def test_injection_strings_in_ids_are_inert(cli, ingested_db):
    before = file_digest(ingested_db)
    res = cli("show", "x' OR '1'='1'; DROP TABLE documents; --", "--db", ingested_db)
    assert res.exit_code != 0 and "no document" in res.stderr
    assert file_digest(ingested_db) == before
