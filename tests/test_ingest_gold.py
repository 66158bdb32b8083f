"""Ingestion accuracy against the hand-checked gold documents (bars of issue C1)."""

from conftest import load_bench


def test_documents_found_titles_and_dates_meet_the_bar(gold):
    res = load_bench("eval_ingest").evaluate(gold)
    print(f"found {res['found']}/{res['gold_documents']}; fields {res['fields']}")
    assert res["found_rate"] >= 0.95, res["misses"]
    assert res["spurious_single_doc_files"] == []
    assert res["dates_correct"], res["field_errors"]
    assert res["duplicate_marked"]


def test_no_metadata_invented_where_gold_is_empty(gold):
    """Fields are left empty rather than guessed: no date/issuer/文号 where gold has none."""
    import csv

    from conftest import parsed

    rows = list(csv.DictReader((gold / "documents.tsv").open(encoding="utf-8"), delimiter="\t"))
    invented = []
    for r in rows:
        starts = {int(s) for s in r["start_line"].split("|")}
        doc = next((d for d in parsed(r["file"]) if d.span.start_line in starts), None)
        assert doc is not None, r
        for key in ("issued", "effective", "expires", "doc_number"):
            if not r[key] and getattr(doc.metadata, key):
                invented.append((r["file"][:3], r["start_line"], key, getattr(doc.metadata, key)))
    assert invented == []
