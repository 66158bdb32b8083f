"""Real-text hazards (issue 8, point 9): odd numerals, broken lines, spaces, OCR, tiers,
foreign currencies, per-mille rates, traditional characters, flattened tables, news
reposts and untitled texts from other cities.

None of them may crash ingestion, and each must parse right: parsed values, and
quotes that are exact slices of the original text (which is never altered).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengce.corpus import text as text_mod
from zhengce.ingest import ingest_paths, parse_source
from zhengce.corpus.structure import numeral_value
from zhengce.corpus.text import SourceText, is_noise_line, normalise, read_source, to_simplified
from zhengce.extract.amounts import find_money, find_rates
from zhengce.extract.pipeline import extract_document
from zhengce.store import sqlite as store


def _src(text: str, name: str = "h.txt") -> SourceText:
    return SourceText.from_text(name, text)


def _parse(text: str):
    src = _src(text)
    return src, parse_source(src)


def _nodes(doc_or_node, kind=None):
    root = getattr(doc_or_node, "tree", doc_or_node)
    return [n for n in root.walk() if kind is None or n.kind == kind]


def _facts(src, doc, kind="benefit"):
    facts = [f for f in extract_document(src, doc) if f.fact_kind == kind]
    for f in facts:
        assert f.quote == src.text[f.start : f.end]  # provenance: exact original slice
    return facts


def _ingest(tmp_path: Path, name: str, text: str) -> tuple[str, list[dict]]:
    """Ingest one file into a fresh database as `zhengce ingest` does; the stored facts."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    conn = store.connect(tmp_path / f"{name}.db")
    try:
        report = ingest_paths(conn, [path])
        assert report.added == [name] and report.documents >= 1
        stored = conn.execute("SELECT text FROM files WHERE name = ?", (name,)).fetchone()[0]
        rows = conn.execute("SELECT * FROM facts").fetchall()
        facts = [dict(r) for r in rows]
    finally:
        conn.close()
    assert stored == text  # the original is stored unaltered
    return stored, facts


# --- 1. circled and other unusual heading numerals ------------------------------------

CIRCLED_DOC = """无锡市关于支持先进制造业发展的若干措施
一、支持企业技术改造
①对设备投资额超过1000万元的项目，给予最高200万元补贴。
②对获评国家级专精特新“小巨人”企业的，给予50万元奖励。
⑳对其他企业给予奖励。
"""


def test_circled_numbers_open_h5_items_and_do_not_crash(tmp_path):
    src, (doc,) = _parse(CIRCLED_DOC)
    h5 = _nodes(doc, "h5")
    assert [(n.label, n.number) for n in h5] == [("①", 1), ("②", 2), ("⑳", 20)]
    assert all(n in _nodes(_nodes(doc, "h1")[0]) for n in h5)  # ① items sit under 一、
    amounts = [f.amount_yuan for f in _facts(src, doc)]
    assert amounts[:2] == [2_000_000, 500_000]
    _, facts = _ingest(tmp_path, "circled.txt", CIRCLED_DOC)
    assert any(f["quote"].startswith("①对设备投资额") for f in facts)


NUMERALS_DOC = """无锡市关于支持先进制造业发展的若干措施
一、支持企业发展
⑴对新认定的企业给予10万元奖励。
(1)对新认定的企业给予11万元奖励。
1）对新认定的企业给予20万元奖励。
2)对新认定的企业给予21万元奖励。
⒈对首台套给予30万元奖励。
㉑对第二十一类企业给予奖励。
一是加强组织领导。
第 1 0 条 本措施由市工信局负责解释。
第十一条之一 本措施自2024年1月1日起施行。
"""


def test_unusual_heading_numerals_are_read_and_never_crash():
    src, (doc,) = _parse(NUMERALS_DOC)
    got = [(n.kind, n.label, n.number) for n in doc.tree.walk() if n.kind not in ("document", "title")]
    assert got == [
        ("h1", "一、", 1),
        ("h4", "⑴", 1),
        ("h4", "(1)", 1),
        ("h4", "1）", 1),
        ("h4", "2)", 2),
        ("h3", "⒈", 1),
        ("h5", "㉑", 21),
        ("paragraph", "", None),  # 一是… is an enumeration in prose, not a heading
        ("article", "第10条", 10),  # 第 1 0 条: spaces inside the number
        ("article", "第十一条之一", 11),
    ]
    art = _nodes(doc, "article")[0]
    assert src.text[art.start : art.end] == "第 1 0 条 本措施由市工信局负责解释。"
    assert [f.amount_yuan for f in _facts(src, doc)][:5] == [100_000, 110_000, 200_000, 210_000, 300_000]


def test_numeral_value_never_raises():
    cases = {"①": 1, "⑳": 20, "㉑": 21, "㊿": 50, "⑴": 1, "⒇": 20, "⒈": 1, "⒛": 20, "12": 12, "十二": 12, "２": 2}
    for token, value in cases.items():
        assert numeral_value(token) == value, token
    for odd in ("", "之一", "x", "百百", "零零零", "²", "〇〇", "①②"):
        numeral_value(odd)  # a number or None, never an exception


PREFIXES = [
    "①", "⑳", "㉑", "⑴", "⒇", "⒈", "(1)", "（1）", "1）", "1)", "1.", "1．", "1、", "一、", "一,", "（一）", "(一)",
    "一是", "第 1 0 条", "第十一条之一", "第一条", "第1条", "第二章", "第三节", "第一篇", "附件：", "解读", "序号",
    "来源：", "发布时间：", "各区人民政府，市各委办局：", "苏州市", "关于", "《", "\t", "\u3000\u3000", "\u00a0", " ",
    "[1]", "播报", "表1", "",
]
BODY = st.text(
    alphabet=st.sampled_from(list("苏州市无锡关于若干措施办法意见给予最高万元亿千美元奖励补贴%‰千分之。，；：,;:()（）《》O0123456789 \u3000萬給補\t")),
    max_size=30,
)
LINE = st.tuples(st.sampled_from(PREFIXES), BODY).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=25))
def test_heading_like_prefixes_never_crash_segmentation_structure_or_extraction(lines):
    text = "\n".join(lines)
    src = _src(text)
    prev_end = 0
    for doc in parse_source(src):
        assert prev_end <= doc.span.start < doc.span.end <= len(text)
        prev_end = doc.span.end
        for node in doc.tree.walk():
            assert doc.span.start <= node.start <= node.end <= doc.span.end
        for fact in extract_document(src, doc):
            assert fact.quote == text[fact.start : fact.end]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=12))
def test_heading_like_prefixes_never_crash_ingest(lines):
    text = "\n".join(lines)
    if not text.strip():
        return  # an empty file is refused with a one-line error, by design
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.txt"
        path.write_text(text, encoding="utf-8")
        conn = store.connect(Path(tmp) / "p.db")
        try:
            ingest_paths(conn, [path])
        except text_mod.InputError as exc:  # refused input is reported, never a traceback
            assert "\n" not in str(exc)
        finally:
            conn.close()


# --- 2. an amount broken across lines ---------------------------------------------------

CROSS_LINE_DOC = """南京市促进软件产业发展的若干政策
一、支持软件企业做大做强
对首次进入全国软件百强的企业，给予一次性奖励50 万

元。对年营业收入首次突破1亿元的软件企业，给予最高100
万元奖励。
"""


def test_amount_broken_across_lines_does_not_crash_and_is_found_in_a_joined_sentence(tmp_path):
    _, (doc,) = _parse(CROSS_LINE_DOC)
    assert [n.start_line for n in _nodes(doc, "paragraph")] == [3, 5, 6]  # parsed, the blank line skipped
    _ingest(tmp_path, "crossline.txt", CROSS_LINE_DOC)
    # what the extract layer can see once it joins a sentence that runs on over a line break
    start = CROSS_LINE_DOC.index("对首次")
    end = CROSS_LINE_DOC.index("万元奖励") + len("万元奖励")
    joined = normalise(CROSS_LINE_DOC[start:end], start, drop_newlines=True)
    assert "\n" not in joined.text and "50万元" in joined.text and "100万元" in joined.text
    money = [m for m in find_money(joined.text) if m.currency == "CNY"]
    assert [m.yuan for m in money] == [500_000, 100_000_000, 1_000_000]
    s, e = joined.to_original(money[0].start, money[0].end)
    assert CROSS_LINE_DOC[s:e] == "50 万\n\n元"
    s, e = joined.to_original(money[2].start, money[2].end)
    assert CROSS_LINE_DOC[s:e] == "100\n万元"
    # find_money itself reads across a line break in the text it is given
    (m,) = find_money("给予一次性奖励50 万\n\n元。")
    assert (m.yuan, m.text) == (500_000, "50 万\n\n元")


# --- 3. spaces inside numbers, odd indents, half-width punctuation ----------------------

SPACES_DOC = (
    "杭州市支持数字经济发展的若干措施\n"
    "一,支持平台建设\n"
    "\u3000\u3000(一)对新建平台给予100 万元补助;对省级平台给予1 000万元支持.\n"
    "\u00a0\u00a0二,强化要素保障\n"
    "第 1 0 条 对企业给予1\u3000000万元奖励\n"
)


def test_spaces_in_numbers_indents_and_half_width_punctuation(tmp_path):
    src, (doc,) = _parse(SPACES_DOC)
    assert [(n.label, n.heading) for n in _nodes(doc, "h1")] == [("一,", "支持平台建设"), ("二,", "强化要素保障")]
    assert [n.label for n in _nodes(doc, "h2")] == ["(一)"]
    (art,) = _nodes(doc, "article")
    assert (art.label, art.number) == ("第10条", 10)
    h1b = _nodes(doc, "h1")[1]
    assert src.text[h1b.start :].startswith("二,")  # the node starts after the U+00A0 indent
    got = [(f.amount_yuan, f.quote) for f in _facts(src, doc)]
    assert got == [
        (1_000_000, "(一)对新建平台给予100 万元补助"),
        (10_000_000, "对省级平台给予1 000万元支持."),
        (10_000_000, "第 1 0 条 对企业给予1\u3000000万元奖励"),
    ]
    _, facts = _ingest(tmp_path, "spaces.txt", SPACES_DOC)
    assert sorted(f["quote"] for f in facts if f["fact_kind"] == "benefit") == sorted(q for _, q in got)


# --- 4. letter O for zero in OCR'd text ------------------------------------------------


def test_letter_o_is_zero_only_next_to_digits():
    (m,) = find_money("给予5O万元奖励")
    assert (m.yuan, m.text) == (500_000, "5O万元")
    (r,) = find_rates("增长超过1O%")
    assert (r.rate, r.text) == (Decimal("0.1"), "1O%")
    (m,) = find_money("奖励1OO万元")
    assert m.yuan == 1_000_000
    assert normalise("通过ISO9001认证，TOTAL费用，Office软件，5Gbps，O2O平台").text == "通过ISO9001认证，TOTAL费用，Office软件，5Gbps，O2O平台"
    assert find_money("OO万元") == []  # no digit before: not a number


def test_ocr_zero_in_a_document_is_parsed_with_the_original_quote():
    text = "扬州市支持外贸发展的若干措施\n一、对年出口额增长超过1O%的企业，给予5O万元奖励。\n二、按TOTAL费用的1O%给予补助。\n"
    src, (doc,) = _parse(text)
    facts = _facts(src, doc)
    assert [(f.kind, f.amount_yuan, f.rate) for f in facts] == [("fixed", 500_000, None), ("rate", None, 0.1)]
    assert "5O万元" in facts[0].quote and "1O%" in facts[1].quote


# --- 5. slash tiers and large units --------------------------------------------------


def test_slash_tiers_are_one_mention_each_with_the_unit_carried_back():
    s = "分别给予2万/5万/10万元奖励"
    money = find_money(s)
    assert [(m.yuan, m.text) for m in money] == [(20_000, "2万"), (50_000, "5万"), (100_000, "10万元")]
    assert [s[m.start : m.end] for m in money] == ["2万", "5万", "10万元"]
    assert [m.yuan for m in find_money("分别给予2/5/10万元")] == [20_000, 50_000, 100_000]
    assert [m.yuan for m in find_money("分别给予50万、30万、10万元")] == [500_000, 300_000, 100_000]
    assert [m.yuan for m in find_money("每项50万元/项")] == [500_000]  # a per-item slash is not a tier


def test_large_units():
    assert [m.yuan for m in find_money("10000万元")] == [100_000_000]
    assert [m.yuan for m in find_money("1.5亿元")] == [150_000_000]
    assert [m.yuan for m in find_money("5千万元")] == [50_000_000]
    assert [m.yuan for m in find_money("五千万元")] == [50_000_000]


def test_slash_tiers_in_a_document_give_three_benefits_with_exact_quotes():
    text = "常州市支持科技创新的若干措施\n一、对新认定的国家级、省级、市级研发机构，分别给予2万/5万/10万元奖励。\n"
    src, (doc,) = _parse(text)
    facts = _facts(src, doc)
    assert sorted(f.amount_yuan for f in facts) == [20_000, 50_000, 100_000]


# --- 6. thresholds in other currencies and units ---------------------------------------


def test_usd_threshold_is_not_a_yuan_grant():
    s = "进出口额超过1000万美元的，给予10万元奖励"
    usd, cny = find_money(s)
    assert (usd.currency, usd.yuan, usd.value, usd.text) == ("USD", None, Decimal("10000000"), "1000万美元")
    assert (cny.currency, cny.yuan, cny.text) == ("CNY", 100_000, "10万元")
    assert [m.currency for m in find_money("投资超过50万欧元、100万港元")] == ["EUR", "HKD"]
    text = "宁波市促进外贸稳增长的若干措施\n一、对进出口额超过1000万美元的，给予10万元奖励。\n二、对集装箱吞吐量超过1万TEU的企业，给予20万元奖励；对年出口超过5000件的企业，给予5万元奖励。\n"
    src, (doc,) = _parse(text)
    assert [f.amount_yuan for f in _facts(src, doc)] == [100_000, 200_000, 50_000]


# --- 7. per-mille rates ----------------------------------------------------------------


def test_per_mille_rates():
    assert [(r.rate, r.unit) for r in find_rates("按贷款额的千分之一给予奖励")] == [(Decimal("0.001"), "‰")]
    assert [r.rate for r in find_rates("按担保额1‰给予补贴")] == [Decimal("0.001")]
    assert [r.rate for r in find_rates("按千分之五给予补贴")] == [Decimal("0.005")]
    assert [r.rate for r in find_rates("按万分之五给予补贴")] == [Decimal("0.0005")]
    text = "合肥市支持金融服务实体经济的若干措施\n一、对金融机构发放的贷款，按贷款额的千分之一给予奖励，最高100万元。\n二、对再担保业务按千分之五给予补贴。\n"
    src, (doc,) = _parse(text)
    got = [(f.kind, f.rate, f.amount_yuan) for f in _facts(src, doc)]
    assert got == [("rate", 0.001, 1_000_000), ("rate", 0.005, None)]


# --- 8. traditional characters ---------------------------------------------------------

TRAD_DOC = "臺北市關於支持產業發展的若干措施\n一、對新認定的企業，給予最高50萬元補貼。\n二、對研發投入超過1000萬元的企業，按研發費用的10%給予獎勵。\n"


def test_traditional_text_is_read_through_a_simplified_copy_with_original_quotes(tmp_path):
    n = normalise("給予最高50萬元補貼", 100)
    assert n.text == "给予最高50万元补贴" and n.offsets == tuple(range(100, 110))
    (m,) = find_money("給予最高50萬元補貼")
    assert (m.yuan, m.text) == (500_000, "50萬元")
    src, (doc,) = _parse(TRAD_DOC)
    facts = _facts(src, doc)
    assert [(f.kind, f.amount_yuan, f.rate) for f in facts] == [("fixed", 500_000, None), ("rate", None, 0.1)]
    assert facts[0].quote == "一、對新認定的企業，給予最高50萬元補貼"
    assert doc.span.title == "台北市关于支持产业发展的若干措施"  # titles are compared and searched simplified
    _, stored = _ingest(tmp_path, "trad.txt", TRAD_DOC)
    assert any(f["quote"] == "一、對新認定的企業，給予最高50萬元補貼" for f in stored)


def test_simplified_text_is_never_converted():
    s = "建设一批覆盖企业生产的平台，于是乾隆年间后来"
    assert to_simplified(s) == s  # OpenCC alone would write 复盖


def test_a_length_changing_conversion_still_maps_back(monkeypatch):
    real = text_mod._t2s()
    fake = text_mod._T2S(convert=lambda s: s + "额外", chars=real.chars, trigger=real.trigger)
    monkeypatch.setattr(text_mod, "_t2s", lambda: fake)
    original = "對企業給予50萬元"
    n = normalise(original, 7)
    assert n.text == "对企业给予50万元" and len(n.offsets) == len(n.text)
    assert n.to_original(5, 9) == (12, 16) and original[5:9] == "50萬元"


@given(st.text(alphabet=st.sampled_from(list("給予萬元補貼對於後乾覆盖臺灣關發展產業0123 ，。")), max_size=60))
def test_simplified_copy_always_has_the_original_length(s):
    assert len(to_simplified(s)) == len(s)
    n = normalise(s)
    assert len(n.text) == len(n.offsets)


# --- 9. tables flattened to one cell per line --------------------------------------------

FLAT_TABLE_DOC = """徐州市工业企业奖补政策
一、奖补标准
对符合条件的企业按下表给予奖补。
序号
支持类别
认定条件
奖补标准
1
国家级专精特新“小巨人”
新认定
50万元
2
省级专精特新中小企业
新认定
20万元
3
苏州市关于推进制造业智能化改造的实施意见
1.
10万元
二、组织保障
各部门要加强协同。
"""


def test_flattened_table_is_one_table_without_garbage_headings_or_documents(tmp_path):
    src, docs = _parse(FLAT_TABLE_DOC)
    assert len(docs) == 1  # a cell that reads like a title does not open a document
    (doc,) = docs
    (table,) = _nodes(doc, "table")
    rows = table.children
    assert [r.columns for r in rows] == [
        {"序号": "1", "支持类别": "国家级专精特新“小巨人”", "认定条件": "新认定", "奖补标准": "50万元"},
        {"序号": "2", "支持类别": "省级专精特新中小企业", "认定条件": "新认定", "奖补标准": "20万元"},
        {"序号": "3", "支持类别": "苏州市关于推进制造业智能化改造的实施意见", "认定条件": "1.", "奖补标准": "10万元"},
    ]
    assert src.text[rows[0].start : rows[0].end] == "1\n国家级专精特新“小巨人”\n新认定\n50万元"
    assert [(n.kind, n.label) for n in doc.tree.walk() if n.kind.startswith("h")] == [("h1", "一、"), ("h1", "二、")]
    assert table in _nodes(_nodes(doc, "h1")[0])  # the table sits under 一、, and 二、 is not inside it
    _ingest(tmp_path, "table.txt", FLAT_TABLE_DOC)


def test_short_lines_without_a_numbered_header_stay_paragraphs():
    text = "某市若干措施\n一、总则\n序号\n名称\n后面没有编号的行\n。\n"
    _, (doc,) = _parse(text)
    assert _nodes(doc, "table") == []


# --- 10. news reposts ------------------------------------------------------------------

NEWS_DOC = """我市出台新政支持人工智能产业发展
来源：嘉兴市人民政府网  发布时间：2024-03-01  浏览次数：
字号：大 中 小
近日，市政府印发《嘉兴市支持人工智能产业发展的若干措施》。全文如下：
一、支持算力建设
对新建智算中心的企业，给予最高500万元补助。
本措施自2024年3月1日起施行。
"""


def test_news_repost_takes_the_policy_title_and_skips_the_byline(tmp_path):
    src, (doc,) = _parse(NEWS_DOC)
    assert doc.span.title == "嘉兴市支持人工智能产业发展的若干措施" and doc.span.title_inferred
    assert doc.span.headline == "我市出台新政支持人工智能产业发展"
    assert [src.line_of(s) for s, _ in doc.span.title_spans] == [1]  # the headline is the title line
    lines = {n.start_line for n in doc.tree.walk() if n.kind not in ("document",)}
    assert 2 not in lines and 3 not in lines  # 来源/发布时间 and 字号 lines are page furniture
    assert is_noise_line("来源：嘉兴市人民政府网  发布时间：2024-03-01  浏览次数：")
    assert not is_noise_line("来源于企业的数据要依法使用。")
    assert str(doc.metadata.effective) == "2024-03-01"
    assert [f.amount_yuan for f in _facts(src, doc)] == [5_000_000]
    stored, _ = _ingest(tmp_path, "news.txt", NEWS_DOC)
    assert "浏览次数" in stored  # never removed from the stored original


NEWS_COMPENDIUM = """湖州市支持绿色低碳发展的若干措施
一、对新建分布式光伏项目，给予每千瓦100元补贴。
本措施自2024年1月1日起施行。
重磅！我市出台十条措施支持中小企业发展
来源：湖州日报  发布时间：2024-05-08 09:30  浏览次数：1234
【字体：大 中 小】【打印本页】【关闭窗口】
日前，市政府办公室印发了相关措施，全文如下：
湖州市支持中小企业高质量发展的若干措施
一、对首次升规的工业企业，给予10万元奖励。
本措施自2024年6月1日起施行。
"""


def test_news_repost_after_another_document_starts_at_its_headline():
    _, docs = _parse(NEWS_COMPENDIUM)
    assert [(d.span.title, d.span.start_line, d.span.start_kind) for d in docs] == [
        ("湖州市支持绿色低碳发展的若干措施", 1, "file_start"),
        ("湖州市支持中小企业高质量发展的若干措施", 4, "headline"),
    ]
    assert not docs[1].span.title_inferred  # stated on its own title line under the lead-in
    assert str(docs[1].metadata.effective) == "2024-06-01"


def test_headline_without_a_named_policy_is_the_title():
    text = "我市出台新政支持企业发展\n发布时间：2024-03-01\n一、对新入规企业给予5万元奖励。\n"
    _, (doc,) = _parse(text)
    assert (doc.span.title, doc.span.title_inferred) == ("我市出台新政支持企业发展", True)


# --- 11. untitled texts from other cities -----------------------------------------------

UNTITLED_COMPENDIUM = """无锡市关于促进集成电路产业发展的若干政策
一、对新引进的集成电路设计企业，给予最高300万元奖励。
本政策自2024年1月1日起施行，有效期至2026年12月31日。各市（县）、区人民政府，市各委办局，市各直属单位：
《无锡市加快发展现代服务业的实施意见》已经市政府同意，现印发给你们，请认真组织实施。
一、对认定为市级服务业集聚区的，给予50万元奖励。
二、本意见自发布之日起施行。
各区人民政府，市政府各委、办、局，各直属机构:
现将《常州市工业企业技术改造专项资金管理办法》印发给你们，请遵照执行。
第一条 为规范专项资金管理，制定本办法。
第二条 对技改项目按设备投资额的10%给予补助，最高500万元。
"""


def test_untitled_documents_of_other_cities_get_inferred_titles(tmp_path):
    src, docs = _parse(UNTITLED_COMPENDIUM)
    got = [(d.span.title, d.span.title_inferred, d.span.start_line, d.span.start_kind) for d in docs]
    assert got == [
        ("无锡市关于促进集成电路产业发展的若干政策", False, 1, "file_start"),
        ("无锡市加快发展现代服务业的实施意见", True, 3, "addressee"),
        ("常州市工业企业技术改造专项资金管理办法", True, 7, "addressee"),
    ]
    assert src.text[docs[1].span.start :].startswith("各市（县）、区人民政府")
    assert str(docs[0].metadata.expires) == "2026-12-31"
    assert [a.number for a in _nodes(docs[2], "article")] == [1, 2]
    _ingest(tmp_path, "untitled.txt", UNTITLED_COMPENDIUM)


def test_untitled_single_notice_from_another_city():
    text = "各区人民政府，市各委办局，各直属单位：\n《绍兴市促进民营经济高质量发展的实施意见》已经市政府同意，现印发给你们，请认真贯彻执行。\n一、对首次入选中国民营企业500强的，给予100万元奖励。\n"
    _, (doc,) = _parse(text)
    assert (doc.span.title, doc.span.title_inferred) == ("绍兴市促进民营经济高质量发展的实施意见", True)


# --- every hazard file through `zhengce ingest` -------------------------------------------


HAZARD_FILES = {
    "circled.txt": CIRCLED_DOC,
    "numerals.txt": NUMERALS_DOC,
    "crossline.txt": CROSS_LINE_DOC,
    "spaces.txt": SPACES_DOC,
    "trad.txt": TRAD_DOC,
    "table.txt": FLAT_TABLE_DOC,
    "news.txt": NEWS_COMPENDIUM,
    "untitled.txt": UNTITLED_COMPENDIUM,
}


@pytest.mark.parametrize("name", list(HAZARD_FILES))
def test_cli_ingest_of_each_hazard_file(cli, tmp_path, name):
    text = HAZARD_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "h.db"
    res = cli("ingest", "--db", db, path)
    assert res.exit_code == 0, res.output
    facts = json.loads(cli("facts", "--db", db, "--json").stdout)
    assert all(f["quote"] == text[f["start"] : f["end"]] for f in facts)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT text FROM files").fetchone()[0] == text
    conn.close()
    assert read_source(path).text == text  # the file on disk is untouched too


@given(st.text(max_size=60))
def test_is_normal_means_normalise_changes_nothing(s):
    if text_mod.is_normal(s):
        assert normalise(s, drop_newlines=True).text == s
    for m in find_money(s):
        assert m.text == s[m.start : m.end]


def test_an_amount_broken_across_lines_is_one_benefit_quoting_both_lines():
    from zhengce.corpus.parse import parse_source
    from zhengce.corpus.text import SourceText
    from zhengce.extract.pipeline import extract_document

    text = "某市促进产业发展若干措施\n\n一、对新认定的国家级专精特新“小巨人”企业，给予50 万\n\n元一次性奖励。\n"
    src = SourceText.from_text("cut.txt", text)
    found = [f for d in parse_source(src) for f in extract_document(src, d, {"benefit"})]
    assert [(f.amount_yuan, f.period, f.line, f.end_line) for f in found] == [(500_000, "one_off", 3, 5)]
    assert found[0].quote == src.text[found[0].start : found[0].end] and "50 万\n\n元" in found[0].quote
