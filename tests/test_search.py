"""Search quality against the gold queries, and the search CLI."""

from __future__ import annotations

import json
import sqlite3

from conftest import file_digest, load_bench

from zhengce.search.index import highlight_spans, tokens


def test_recall_and_mrr_meet_the_bars(gold, ingested_db):
    conn = sqlite3.connect(ingested_db)
    conn.row_factory = sqlite3.Row
    res = load_bench("eval_search").evaluate(conn, gold)
    print(f"Recall@5 {res['recall@5']:.3f} MRR@10 {res['mrr@10']:.3f}")
    assert res["recall@5"] >= 0.85, res["details"]
    assert res["mrr@10"] >= 0.70, res["details"]


def test_tokens_use_the_domain_vocabulary():
    assert "算力券" in tokens("算力券 补贴比例")
    assert "的" not in tokens("政策的补贴")
    assert highlight_spans("对公共海外仓给予补贴", ["海外仓", "补贴"]) == [(3, 6), (8, 10)]


def test_search_cli_json_spans_and_filters(cli, ingested_db):
    res = cli("search", "出租汽车 拒载", "--db", ingested_db, "--json", "--limit", "3")
    assert res.exit_code == 0, res.output
    hits = json.loads(res.stdout)
    assert len(hits) == 3 and hits[0]["line"] == 2954 and "【拒载】" in hits[0]["snippet"]
    assert all(h["line"] <= h["end_line"] for h in hits)
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]
    text = json.loads(cli("show", hits[0]["doc_id"], "--db", ingested_db, "--json").stdout)
    assert text["start_line"] <= hits[0]["line"] <= text["end_line"]
    filtered = json.loads(cli("search", "补贴", "--db", ingested_db, "--json", "--kind", "penalty").stdout)
    assert filtered == [] or all("penalty" in h["fact_kinds"] for h in filtered)
    human = cli("search", "容缺受理", "--db", ingested_db)
    assert human.exit_code == 0 and "1092" in human.stdout


def test_search_bad_input(cli, ingested_db):
    before = file_digest(ingested_db)
    for args, words in [
        (["，。、"], "no searchable words"),
        (["长" * 201], "limit is 200"),
        (["补贴", "--kind", "nope"], "unknown fact kind"),
        (["补贴", "--in-force", "2025-02-30"], "not a date"),
    ]:
        r = cli("search", *args, "--db", ingested_db)
        assert r.exit_code != 0 and words in r.stderr, (args, r.stderr)
    r = cli("search", "\" OR 1=1; DROP TABLE clauses; --", "--db", ingested_db, "--json")
    assert r.exit_code == 0
    assert file_digest(ingested_db) == before
