"""`zhengce facts` and `zhengce extract`: JSON contract, filters, re-runs and bad input."""

from __future__ import annotations

import json
import sqlite3

from conftest import file_digest

GOLD_FIELDS = {"file", "line", "quote", "beneficiary", "kind", "amount_yuan", "rate", "base", "cap_total_yuan", "period", "max_years", "departments"}


def test_facts_json_has_gold_field_names_and_citations(cli, ingested_db):
    res = cli("facts", "--db", ingested_db, "--kind", "benefit", "--json")
    assert res.exit_code == 0, res.output
    facts = json.loads(res.stdout)
    assert len(facts) > 150
    for f in facts:
        assert GOLD_FIELDS <= set(f)
        assert {"id", "doc_id", "start", "end", "end_line", "fact_kind"} <= set(f)
        assert f["fact_kind"] == "benefit"


def test_facts_filter_by_document_and_kind(cli, ingested_db):
    docs = json.loads(cli("docs", "--db", ingested_db, "--json").stdout)
    cross = next(d for d in docs if d["start_line"] == 183)
    res = cli("facts", "--db", ingested_db, "--doc", cross["id"], "--kind", "stacking", "--json")
    facts = json.loads(res.stdout)
    assert {f["kind"] for f in facts} == {"document_cap", "precedence"}
    assert all(f["doc_id"] == cross["id"] for f in facts)
    human = cli("facts", "--db", ingested_db, "--kind", "penalty")
    assert human.exit_code == 0 and "罚款" in human.stdout


def test_fact_quotes_are_exact_slices_in_the_database(ingested_db):
    conn = sqlite3.connect(ingested_db)
    n, bad = conn.execute(
        "SELECT COUNT(*), SUM(f.quote != substr(fi.text, f.start_offset + 1, f.end_offset - f.start_offset))"
        " FROM facts f JOIN documents d ON d.rowid = f.document_rowid JOIN files fi ON fi.id = d.file_id"
    ).fetchone()
    assert n > 1000 and bad == 0


def test_extract_is_rerunnable_and_stable(cli, tmp_path):
    db = tmp_path / "z.db"
    assert cli("ingest", "--db", db).exit_code == 0
    count = lambda: sqlite3.connect(db).execute("SELECT COUNT(*), SUM(amount_yuan) FROM facts").fetchone()  # noqa: E731
    first = count()
    for _ in range(2):
        res = cli("extract", "--db", db)
        assert res.exit_code == 0, res.output
        assert count() == first


def test_bad_fact_queries_are_clear_errors(cli, ingested_db):
    before = file_digest(ingested_db)
    res = cli("facts", "--db", ingested_db, "--kind", "bogus")
    assert res.exit_code != 0 and "unknown fact kind 'bogus'" in res.stderr
    res = cli("facts", "--db", ingested_db, "--doc", "'; DROP TABLE facts; --")
    assert res.exit_code != 0 and "no document" in res.stderr
    assert file_digest(ingested_db) == before
