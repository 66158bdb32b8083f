"""Segmentation hazards of 003 and the other files, checked on the real corpus."""

from __future__ import annotations

from conftest import F003, doc_at, parsed, source

from zhengce.corpus.segment import segment
from zhengce.corpus.text import SourceText


def test_glued_title_starts_mid_line_after_previous_document():
    src = source(F003)
    doc = doc_at(F003, 111)
    assert doc.span.title == "苏州市支持具身智能机器人产业创新发展的若干措施"
    # the document starts exactly after the previous one's last sentence on the same line
    assert src.text[: doc.span.start].endswith("具体解释工作由苏州市工信局承担。")
    assert src.text[doc.span.start :].startswith("苏州市支持具身智能机器人产业创新发展的")
    previous = doc_at(F003, 56)
    assert previous.span.end <= doc.span.start
    assert src.text[previous.span.start : previous.span.end].endswith("承担。")


def test_split_title_across_blank_line_is_joined_and_both_parts_cited():
    doc = doc_at(F003, 1)
    assert doc.span.title == "苏州市推动智能车联网和新能源汽车产业发展的若干措施"
    src = source(F003)
    assert [src.line_of(s) for s, _ in doc.span.title_spans] == [1, 3]


def test_untitled_documents_get_inferred_titles_from_their_own_text():
    cases = {
        335: "关于苏州市加快培育生产性服务业领军企业的若干意见",  # from its 印发通知
        412: "苏州市2025年度行政执法监督工作计划",  # from 特制定…
        790: "国家级开发区赋权清单（2024年版）",  # from 现将《…》予以公布
        1993: "关于进一步提高上市公司质量的实施意见",  # from its 解读
        3010: "支持外贸企业稳定发展",  # from （简称…）
    }
    for line, title in cases.items():
        doc = doc_at(F003, line)
        assert doc.span.title_inferred, line
        assert title in doc.span.title, (line, doc.span.title)


def test_addressee_glued_document_starts_mid_line():
    src = source(F003)
    doc = doc_at(F003, 412)
    assert doc.span.start_kind == "addressee"
    assert src.text[doc.span.start :].startswith("各县级市（区）人民政府")
    assert src.text[: doc.span.start].rstrip().endswith("[4]")


def test_duplicated_plan_second_copy_marks_the_first():
    docs = parsed(F003)
    first, second = doc_at(F003, 656), doc_at(F003, 718)
    assert first.span.title == second.span.title
    assert first.span.duplicate_of is None
    assert docs[second.span.duplicate_of].ordinal == first.ordinal
    # the 印发通知 glued at L718 belongs to the second copy and gives its metadata
    assert second.metadata.issuer == "苏州市人民政府"
    assert str(second.metadata.issued) == "2024-04-08"
    assert sum(1 for d in docs if d.span.duplicate_of is not None) == 1


def test_interpretation_sections_are_kept_and_flagged():
    doc = doc_at(F003, 335)
    src = source(F003)
    assert src.line_of(doc.span.interpretation_start) == 381
    interp = [n for n in doc.tree.children if n.kind == "interpretation"]
    assert len(interp) == 1 and interp[0].start_line == 381 and interp[0].end_line == 412
    # the rule text's dates come from the rules, not the 解读
    assert str(doc.metadata.effective) == "2020-06-01"


def test_web_noise_is_not_structure():
    src = source(F003)
    for d in parsed(F003):
        for node in d.tree.walk():
            text = src.text[node.start : node.end].strip()
            if node.kind in ("paragraph", "clause"):
                assert text not in ("播报", "编辑", "\u2002", "[1]", "[2]"), (node.start_line, text)


def test_wps_bookmarks_do_not_hide_headings_in_002():
    (doc,) = parsed("002_6bd1bcc28a376460.txt")
    kinds = [n.kind for n in doc.tree.walk()]
    assert kinds.count("part") == 6
    assert kinds.count("chapter") == 26
    assert kinds.count("section") == 70
    assert "苏州工业园区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要" in doc.span.title
    assert doc.metadata.jurisdiction == "苏州工业园区"


def test_county_documents_are_not_suzhou_city():
    assert doc_at(F003, 1445).metadata.jurisdiction == "常熟市"
    assert doc_at(F003, 1659).metadata.jurisdiction == "太仓市"
    assert doc_at(F003, 1).metadata.jurisdiction == "苏州市"


def test_validity_phrases_absolute_relative_and_typo():
    d = doc_at(F003, 241)
    assert (str(d.metadata.effective), str(d.metadata.expires)) == ("2025-03-01", "2027-02-28")
    assert any("有效期至至" in n for n in d.metadata.notes)
    rel = doc_at(F003, 866).metadata
    assert rel.effective is None and rel.expires is None
    assert rel.effective_relative == "自发布之日起" and rel.validity_years == 3
    assert str(doc_at(F003, 1445).metadata.expires) == "2022-12-31"  # 有效期至2022年底


def test_regulation_header_gives_decree_number_and_dates():
    md = doc_at(F003, 2322).metadata
    assert md.doc_number == "苏州市人民政府令第44号"
    assert (str(md.issued), str(md.effective)) == ("2003-11-22", "2004-01-01")


def test_segmenter_on_adversarial_text_never_loses_text():
    text = "苏州市测试若干措施\n\n一、第一项。本政策自2025年1月1日起施行。苏州市另一个管理办法\n\n第一条 内容。\n" + "长" * 5000
    src = SourceText.from_text("x.txt", text)
    docs = segment(src)
    assert [d.title for d in docs] == ["苏州市测试若干措施", "苏州市另一个管理办法"]
    assert docs[0].end <= docs[1].start
    assert text[docs[1].start :].startswith("苏州市另一个管理办法")
