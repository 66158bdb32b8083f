"""Structure trees on the real corpus."""

from __future__ import annotations

from conftest import F003, doc_at, parsed, source


def _kinds(doc, kind):
    return [n for n in doc.tree.walk() if n.kind == kind]


def test_articles_without_separator_in_commitment_regulation():
    doc = doc_at(F003, 3194)
    arts = _kinds(doc, "article")
    assert [a.number for a in arts] == list(range(1, 18))
    assert source(F003).text[arts[0].start :].startswith("第一条为优化行政审批程序")


def test_chapters_articles_items_and_clauses_in_construction_regulation():
    doc = doc_at(F003, 2322)
    chapters = _kinds(doc, "chapter")
    assert len(chapters) == 9
    arts = _kinds(doc, "article")
    assert len(arts) == 38 and [a.number for a in arts] == list(range(1, 39))
    # every article sits inside a chapter, and items (项) inside articles
    for ch in chapters:
        assert all(c.kind in ("article", "clause", "paragraph") for c in ch.children)
    items = _kinds(doc, "item")
    assert items and all(any(i in a.walk() for a in arts) for i in items)


def test_numbered_heading_levels_nest():
    doc = doc_at(F003, 56)  # 一、 → （一） → 1．
    h1 = _kinds(doc, "h1")
    assert [h.label for h in h1][:3] == ["一、", "二、", "三、"]
    second = h1[1]
    assert [c.kind for c in second.children if c.kind.startswith("h")] == ["h2"] * 5
    assert [c.number for c in second.children[0].children if c.kind == "h3"] == [1, 2]
    doc1 = doc_at(F003, 1)  # (一) with ASCII parentheses
    assert len(_kinds(doc1, "h2")) == 20


def test_task_table_of_004_has_named_forward_filled_columns_without_html():
    (doc,) = parsed("004_525e83cf13fa38d7.txt")
    tables = _kinds(doc, "table")
    assert len(tables) == 1
    rows = tables[0].children
    assert len(rows) == 104
    names = ["试点任务", "序号", "商务部总体方案具体举措", "责任分工", "苏州市具体落实计划"]
    for row in rows:
        assert list(row.columns)[:5] == names
        assert row.columns["试点任务"], row.start_line  # forward-filled
        assert "<" not in "".join(row.columns.values()), row.start_line
    assert rows[1].columns["试点任务"] == rows[0].columns["试点任务"]
    assert rows[1].columns["责任分工"] == "苏州银保监分局"


def test_every_node_is_an_exact_slice_with_consistent_lines():
    for name in ("000_dbddc715565796ea.txt", "001_4ab648cdb3ed3e85.txt", "002_6bd1bcc28a376460.txt", F003, "004_525e83cf13fa38d7.txt"):
        src = source(name)
        for doc in parsed(name):
            assert doc.span.start < doc.span.end
            assert src.line_of(doc.span.start) == doc.span.start_line
            for node in doc.tree.walk():
                assert doc.span.start <= node.start < node.end <= doc.span.end, (name, node)
                assert src.line_of(node.start) == node.start_line
                assert src.line_of(node.end - 1) == node.end_line
                assert src.text[node.start : node.end].strip(), node
