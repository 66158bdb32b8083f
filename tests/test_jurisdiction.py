"""Jurisdiction from the text, never a default: the places hierarchy, inference, --jurisdiction, departments."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import F003, doc_at, file_digest, parsed

from zhengce import places
from zhengce.corpus.parse import parse_source
from zhengce.corpus.text import SourceText
from zhengce.datafiles import load_json
from zhengce.extract.departments import find_tags, registry
from zhengce.store import sqlite as store


@pytest.fixture(autouse=True)
def _file_places_only():
    """Places recorded by one test's database must not leak into another test."""
    places.use_places([])
    yield
    places.use_places([])


def meta(text: str):
    docs = parse_source(SourceText.from_text("t.txt", text))
    assert len(docs) == 1, [d.span.title for d in docs]
    return docs[0].metadata


# ---- 1. the hierarchy --------------------------------------------------------------------------

SUZHOU_PARTS = ("姑苏区", "吴中区", "相城区", "吴江区", "虎丘区", "苏州工业园区", "常熟市", "张家港市", "昆山市", "太仓市")
PROVINCE_LEVEL = (
    "北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 福建省 江西省 山东省 河南省 "
    "湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省 陕西省 甘肃省 青海省 台湾省 内蒙古自治区 广西壮族自治区 西藏自治区 "
    "宁夏回族自治区 新疆维吾尔自治区 香港特别行政区 澳门特别行政区"
).split()
JIANGSU_CITIES = "南京市 无锡市 徐州市 常州市 苏州市 南通市 连云港市 淮安市 盐城市 扬州市 镇江市 泰州市 宿迁市".split()


def test_places_file_covers_china_jiangsu_and_every_suzhou_area():
    known = places.known_places()
    assert len(known) == len(set(known)) >= 200
    assert known[0] == "中国"
    assert set(PROVINCE_LEVEL) == {p for p in known if places.chain(p)[:-1] == ["中国"]}
    assert set(JIANGSU_CITIES) <= set(places.gazetteer().children("江苏省"))
    for part in SUZHOU_PARTS:
        assert places.chain(part) == ["中国", "江苏省", "苏州市", part]
    for city in ("广州市", "深圳市", "武汉市", "宁波市", "杭州市"):
        assert places.level(city) == "city"
    assert places.chain("南沙区") == ["中国", "广东省", "广州市", "南沙区"]
    # parents come before children
    assert all(known.index(places.chain(p)[-2]) < known.index(p) for p in known if p != "中国")


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("苏州市", "苏州市"), ("苏州", "苏州市"), ("常熟", "常熟市"), ("江苏", "江苏省"), ("苏州高新区", "虎丘区"),
        ("虎丘区", "虎丘区"), ("苏州工业园区", "苏州工业园区"), ("苏州园区", "苏州工业园区"), ("广州市南沙区", "南沙区"),
        ("广州南沙", "南沙区"), ("南沙", "南沙区"), ("广东省/广州市/南沙区", "南沙区"), ("江苏省苏州市常熟市", "常熟市"),
        ("上海", "上海市"), ("浦东", "浦东新区"), (" 苏 州 市 ", "苏州市"),
        ("园区", None), ("高新区", None), ("苏洲市", None), ("广州市南沙新城", None), ("", None), ("江苏省/广州市", None),
    ],
)  # fmt: skip
def test_resolve(name, canonical):
    assert places.resolve(name) == canonical


def test_local_aliases_only_within_their_parent():
    g = places.gazetteer()
    assert g.resolve("园区", within="苏州市") == "苏州工业园区"
    assert g.resolve("高新区", within="苏州市") == "虎丘区"
    assert g.resolve("园区", within="广州市") is None


def test_chain_contains_level():
    assert places.chain("常熟") == ["中国", "江苏省", "苏州市", "常熟市"]
    assert places.chain("火星市") == []
    assert places.contains("苏州市", "苏州工业园区") and places.contains("江苏省", "常熟")
    assert places.contains("中国", "南沙区") and places.contains("苏州市", "苏州市")
    assert not places.contains("苏州市", "南沙区") and not places.contains("常熟市", "苏州市")
    assert not places.contains("苏州市", "火星市") and not places.contains("火星市", "苏州市")
    levels = {n: places.level(n) for n in ("中国", "江苏省", "上海市", "苏州市", "常熟市", "姑苏区", "苏州工业园区", "昆山经济技术开发区", "火星市")}
    assert levels == {
        "中国": "country", "江苏省": "province", "上海市": "province", "苏州市": "city", "常熟市": "county",
        "姑苏区": "district", "苏州工业园区": "district", "昆山经济技术开发区": "zone", "火星市": "",
    }  # fmt: skip
    assert places.kind("苏州工业园区") == "开发区" and places.kind("常熟市") == "县级市"


def test_suggest_offers_close_names():
    assert "苏州市" in places.suggest("苏洲市")
    assert places.suggest("广州市南沙新城")[0] == "南沙区"
    assert len(places.suggest("州", n=2)) <= 2
    assert places.suggest("") == []


@pytest.mark.parametrize(
    ("number", "place"),
    [
        ("苏府〔2017〕59号", "苏州市"), ("苏府规字〔2020〕5号", "苏州市"), ("苏委发〔2020〕1号", "苏州市"),
        ("苏政发〔2020〕102号", "江苏省"), ("苏政办发〔2022〕10号", "江苏省"), ("国发〔2020〕14号", "中国"),
        ("国办发〔2021〕24号", "中国"), ("锡政发〔2021〕3号", "无锡市"), ("穗府〔2023〕5号", "广州市"),
        ("甬政发〔2021〕12号", "宁波市"), ("武政规〔2022〕7号", "武汉市"), ("太委办〔2022〕41号", "太仓市"),
        ("苏州市人民政府令第44号", "苏州市"),
        ("宁政发〔2020〕1号", None), ("常政发〔2022〕9号", None),  # 南京/宁夏 and 常州/常熟 share them
        ("商贸函〔2023〕597号", None), ("", None),
    ],
)  # fmt: skip
def test_doc_number_prefixes(number, place):
    assert places.gazetteer().place_of_doc_number(number) == place


def test_issuers():
    g = places.gazetteer()
    assert g.place_of_issuer("中共苏州市委 苏州市人民政府") == "苏州市"
    assert g.place_of_issuer("广州市南沙区人民政府") == "南沙区"
    assert g.place_of_issuer("苏州工业园区管理委员会") == "苏州工业园区"
    assert g.place_of_issuer("国务院办公厅") == "中国"
    assert g.place_of_issuer("苏州市科学技术局") == "苏州市"
    assert g.place_of_issuer("市政府") is None
    assert g.place_of_issuer("苏州市人民政府 无锡市人民政府") is None  # two unrelated places


def test_place_constants_are_data_not_code():
    data = load_json("places.json")
    tree = ast.parse((Path(places.__file__).parent / "corpus" / "metadata.py").read_text(encoding="utf-8"))
    scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))]
    docstrings = {id(n.body[0].value) for n in scopes if n.body and isinstance(n.body[0], ast.Expr)}
    constants = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    literals = [n.value for n in constants if id(n) not in docstrings]
    assert not [s for s in literals if re.search("苏州|常熟|太仓|昆山|园区|高新区", s)]
    assert places.government("苏州市") == "苏州市人民政府"
    assert places.government("苏州工业园区") == "苏州工业园区管理委员会"
    for p in data["places"]:
        assert p["parent"] is None or places.resolve(p["parent"]) == p["parent"], p


# ---- 2. inference from the text ----------------------------------------------------------------

BUNDLED = {
    # (file, start line): jurisdiction; everything else in 003 is 苏州市
    ("000_dbddc715565796ea.txt", 3): "苏州市",
    ("001_4ab648cdb3ed3e85.txt", 3): "苏州市",
    ("002_6bd1bcc28a376460.txt", 1): "苏州工业园区",
    ("004_525e83cf13fa38d7.txt", 3): "苏州市",
    (F003, 1445): "常熟市",
    (F003, 1659): "太仓市",
    (F003, 3086): None,  # 我市/全市, but the only place named is once, in 苏州综合金融服务平台
}


def test_every_bundled_document_has_the_jurisdiction_its_text_states():
    from conftest import CORPUS

    seen = 0
    for f in sorted(CORPUS.glob("*.txt")):
        for d in parsed(f.name):
            want = BUNDLED.get((f.name, d.span.start_line), "苏州市")
            why = (f.name, d.span.start_line, d.span.title, d.metadata.jurisdiction_basis)
            assert d.metadata.jurisdiction == want, why
            assert d.metadata.jurisdiction_basis
            seen += 1
    assert seen == 44


@pytest.mark.parametrize(
    ("line", "basis"),
    [
        (470, "结合苏州实际"),  # 数据产业 opinion: no title place, no issuer
        (790, "addressees"),  # 国家级开发区赋权清单: addressed to 苏州工业园区、苏州高新区、太仓…
        (866, "由苏州市科学技术局会同相关部门负责解释"),
        (1445, "国家、省和苏州市"),  # 常熟: 苏州市 named as its superior
        (1659, "太仓市"),
        (3086, "only once"),
    ],
)
def test_bundled_bases(line, basis):
    assert basis in doc_at(F003, line).metadata.jurisdiction_basis


def test_unknown_jurisdiction_is_noted_not_defaulted():
    md = doc_at(F003, 3086).metadata
    assert md.jurisdiction is None
    assert any(n.startswith("jurisdiction unknown") for n in md.notes)


def test_issuer_header():
    md = meta("广州市南沙区人民政府文件\n\n关于促进先进制造业发展的若干措施\n\n一、对新落户本区的企业，给予最高100万元奖励。\n")
    assert (md.issuer, md.jurisdiction) == ("广州市南沙区人民政府", "南沙区")


def test_issuer_signature():
    md = meta("关于加快数字经济发展的若干措施\n\n一、对本市数字经济企业给予奖励。\n\n常熟市人民政府\n\n2022年5月1日\n")
    assert (md.issuer, md.jurisdiction) == ("常熟市人民政府", "常熟市")


def test_doc_number_prefix():
    md = meta("关于支持跨境电商发展的若干措施\n\n甬政发〔2021〕12号\n\n一、对本市跨境电商企业给予补贴。\n")
    assert md.jurisdiction == "宁波市" and "甬政发" in md.jurisdiction_basis
    md = meta("国务院关于推动经济发展的若干意见\n\n国发〔2023〕1号\n\n一、各地区要加强协调。\n")
    assert (md.issuer, md.jurisdiction) == ("国务院", "中国")


def test_title_place():
    md = meta("武汉市支持光电子信息产业发展的若干政策\n\n一、对企业给予奖励。\n")
    assert md.jurisdiction == "武汉市" and md.jurisdiction_basis == "the title"
    assert meta("常熟市促进服务业发展的若干措施\n\n一、对企业给予奖励。\n").jurisdiction == "常熟市"


def test_title_place_inside_the_issuers_is_more_specific():
    md = meta("苏州市人民政府文件\n\n苏州工业园区产业发展规划\n\n一、发展目标。\n")
    assert md.jurisdiction == "苏州工业园区" and "within 苏州市" in md.jurisdiction_basis


def test_names_in_brackets_or_cited_titles_are_not_the_title_place():
    assert meta("中国（宁波）跨境电子商务综合试验区建设方案\n\n一、对企业给予奖励。\n").jurisdiction is None
    assert meta("关于修改《杭州市物业管理条例》的决定\n\n一、对企业给予奖励。\n").jurisdiction is None


def test_benqu_with_a_city_issuer_is_the_district_named():
    md = meta(
        "关于促进科技创新的若干措施\n\n为加快南沙区科技创新，制定本措施。\n\n一、对本区高新技术企业给予奖励。\n\n"
        "二、本区企业参照执行。\n\n广州市人民政府\n\n2023年3月1日\n"
    )
    assert md.jurisdiction == "南沙区" and "本区" in md.jurisdiction_basis


def test_benqu_in_the_body_picks_the_district_over_its_city():
    md = meta(
        "关于促进先进制造业发展的若干措施\n\n为落实广州市部署，支持广州市产业发展，对接广州市资源，推动南沙区发展，制定本措施。\n\n"
        "一、对本区企业给予奖励。\n\n二、全区各部门落实，南沙区各街道配合。广州市有关部门支持。\n"
    )
    assert md.jurisdiction == "南沙区", md.jurisdiction_basis


def test_short_government_reads_the_place_from_data():
    md = meta("关于修改《宁波市燃气管理办法》的决定\n\n市政府决定修改《宁波市燃气管理办法》。具体如下：\n\n一、将第三条修改为宁波市城市管理局。\n")
    assert (md.issuer, md.jurisdiction) == ("宁波市人民政府", "宁波市")
    assert doc_at(F003, 2212).metadata.issuer == "苏州市人民政府"  # the same rule, Suzhou's data


@pytest.mark.parametrize(
    "text",
    [
        "关于支持企业发展的若干措施\n\n一、对本市企业给予奖励，最高100万元。\n\n二、本措施自2024年1月1日起施行。\n",
        "关于深化合作的若干措施\n\n一、推动上海与苏州两地企业合作。\n\n二、支持上海企业在苏州设立研发中心。\n",
        "关于支持企业发展的若干措施\n\n一、对在苏州注册的企业给予奖励。\n",
        "关于支持企业发展的若干措施\n\n为贯彻落实国家、省和苏州市工作要求，制定本措施。\n\n一、对本市企业给予奖励，支持苏州企业发展。\n",
        "关于促进制造业发展的若干措施\n\n为落实广州市部署，支持广州市产业发展，制定本措施。\n\n一、对本区企业给予奖励。\n\n二、全区各部门落实。\n",
        "关于支持重点产业发展的若干措施\n\n一、全省各地要支持苏州建设创新高地，支持苏州发展生物医药。\n\n二、本省各设区市参照执行。\n",
    ],
    ids=["本市-only", "two-cities", "named-once", "superior-only", "本区-which-district", "a-province's"],
)
def test_unknown_when_the_text_does_not_say(text):
    md = meta(text)
    assert md.jurisdiction is None, md.jurisdiction_basis


def test_a_place_written_inside_its_city_is_one_mention():
    g = places.gazetteer()
    assert [c for _, _, c in g.mentions("广州市天河区、江苏省苏州市常熟市和苏州")] == ["天河区", "常熟市", "苏州市"]


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("厦门市思明区商务局关于印发《思明区促进会议展览业发展扶持办法》的通知\n\n一、对会展企业给予奖励。\n", "厦门市思明区"),
        ("天津港保税区关于促进经济高质量发展的若干措施\n\n一、对企业给予奖励。\n", "天津港保税区"),
        ("中共彭州市委 彭州市人民政府关于加快产业发展的意见\n\n一、对企业给予奖励。\n", "彭州市"),
        (
            "关于推动科技创新的若干措施\n\n一、厦门市湖里区科技和工信局负责解释。对在厦门市湖里区注册的企业给予奖励。\n\n"
            "厦门市湖里区科技和工信局\n\n2025年6月10日\n",
            "厦门市湖里区",
        ),
    ],
    ids=["title", "zone", "issuer", "body"],
)
def test_a_part_of_a_known_place_that_the_data_does_not_list_is_not_read_as_the_known_place(text, unknown):
    md = meta(text)
    assert md.jurisdiction is None and unknown in md.jurisdiction_basis  # not 厦门市 / 天津市 / 成都市


def test_once_recorded_such_a_place_is_read_from_the_text():
    places.use_places([places.Place("思明区", "区", "厦门市", source="database")])
    md = meta("厦门市思明区商务局关于印发《思明区促进会议展览业发展扶持办法》的通知\n\n一、对会展企业给予奖励。\n")
    assert md.jurisdiction == "思明区"
    assert places.chain("思明区") == ["中国", "福建省", "厦门市", "思明区"]


# ---- 3. ingest --jurisdiction ------------------------------------------------------------------

UNSTATED = "关于促进先进制造业发展的若干措施\n\n一、对新落户本区的企业，给予最高100万元奖励。（区科技局、区财政局）\n\n二、本措施自2023年1月1日起施行。\n"
STATED = "苏州市推动数字经济发展的若干措施\n\n一、对企业给予最高50万元奖励。（市工信局）\n"


def docs_json(cli, db) -> dict[str, dict]:
    res = cli("docs", "--db", db, "--json")
    assert res.exit_code == 0, res.output
    return {d["file"]: d for d in json.loads(res.stdout)}


def test_ingest_jurisdiction_for_texts_that_do_not_say(cli, tmp_path):
    (tmp_path / "nansha.txt").write_text(UNSTATED, encoding="utf-8")
    (tmp_path / "suzhou.txt").write_text(STATED, encoding="utf-8")
    db = tmp_path / "z.db"
    res = cli("ingest", tmp_path / "nansha.txt", tmp_path / "suzhou.txt", "--db", db, "--jurisdiction", "广州市南沙区")
    assert res.exit_code == 0, res.output
    docs = docs_json(cli, db)
    assert docs["nansha.txt"]["jurisdiction"] == "南沙区"
    assert docs["suzhou.txt"]["jurisdiction"] == "苏州市"  # the text wins…
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "suzhou.txt" in warnings[0] and "苏州市" in warnings[0]  # …and a warning says so
    detail = json.loads(cli("show", docs["nansha.txt"]["id"], "--db", db, "--json").stdout)
    assert any("--jurisdiction" in n for n in detail["notes"])


def test_without_the_flag_unstated_stays_unknown(cli, tmp_path):
    (tmp_path / "nansha.txt").write_text(UNSTATED, encoding="utf-8")
    db = tmp_path / "z.db"
    assert cli("ingest", tmp_path / "nansha.txt", "--db", db).exit_code == 0
    assert docs_json(cli, db)["nansha.txt"]["jurisdiction"] is None
    # the same bytes again, now with the place: the stored documents get it, no new version
    res = cli("ingest", tmp_path / "nansha.txt", "--db", db, "--jurisdiction", "南沙")
    assert res.exit_code == 0, res.output
    d = docs_json(cli, db)["nansha.txt"]
    assert d["jurisdiction"] == "南沙区" and d["version"] == 1


@pytest.mark.parametrize("existing", [True, False])
def test_unknown_place_is_exit_2_and_the_database_is_untouched(cli, tmp_path, existing):
    (tmp_path / "nansha.txt").write_text(UNSTATED, encoding="utf-8")
    db = tmp_path / "z.db"
    if existing:
        assert cli("ingest", tmp_path / "nansha.txt", "--db", db).exit_code == 0
    before = file_digest(db)
    res = cli("ingest", tmp_path / "nansha.txt", "--db", db, "--jurisdiction", "广州市南沙新城")
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --jurisdiction: unknown place 广州市南沙新城")
    assert "南沙区" in lines[0]  # close matches
    assert file_digest(db) == before


def test_new_place_with_its_chain_is_recorded_and_known_later(cli, tmp_path):
    (tmp_path / "a.txt").write_text(UNSTATED, encoding="utf-8")
    (tmp_path / "b.txt").write_text(UNSTATED.replace("先进制造业", "现代服务业"), encoding="utf-8")
    db = tmp_path / "z.db"
    res = cli("ingest", tmp_path / "a.txt", "--db", db, "--jurisdiction", "湖北省/武汉市/武汉临空港经济技术开发区")
    assert res.exit_code == 0, res.output
    assert "recorded new place: 中国/湖北省/武汉市/武汉临空港经济技术开发区" in res.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT name, level, parent FROM places").fetchall() == [("武汉临空港经济技术开发区", "开发区", "武汉市")]
    conn.close()
    places.use_places([])  # a later run knows it from the database alone
    res = cli("ingest", tmp_path / "b.txt", "--db", db, "--jurisdiction", "武汉临空港经济技术开发区")
    assert res.exit_code == 0, res.output
    assert docs_json(cli, db)["b.txt"]["jurisdiction"] == "武汉临空港经济技术开发区"
    assert places.chain("武汉临空港经济技术开发区") == ["中国", "湖北省", "武汉市", "武汉临空港经济技术开发区"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("火星省/火星市", "unknown place 火星省"),
        ("江苏省/南沙区", "南沙区 is in 中国/广东省/广州市, not in 江苏省"),
        ("江苏省/苏州市/江苏省", "not in 苏州市"),
        ("江苏省/苏州市/某某", "cannot tell what kind of place 某某"),
        ("苏州市/上海市", "上海市 is in 中国, not in 苏州市"),
        ("苏州市/某某省", "某某省 (省) cannot lie within 苏州市"),
    ],
)
def test_bad_chains_are_refused(value, message):
    with pytest.raises(places.PlaceError, match=re.escape(message)):
        places.parse_jurisdiction(value)


# ---- storage: the documents table's jurisdiction may be NULL; v2 databases keep working ---------


def _downgrade_to_v2(db: Path) -> None:
    """Rebuild a v3 database as v2 had it (jurisdiction NOT NULL, no places table)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    body = re.search(r"CREATE TABLE IF NOT EXISTS documents \((.*?)\n\);", store.SCHEMA, re.S).group(1)
    body = re.sub(r"jurisdiction TEXT,[^\n]*", "jurisdiction TEXT NOT NULL,", body)
    conn.execute("BEGIN")
    conn.execute("UPDATE documents SET jurisdiction = '苏州市' WHERE jurisdiction IS NULL")
    conn.execute(f"CREATE TABLE documents_old ({body}\n)")
    conn.execute("INSERT INTO documents_old SELECT * FROM documents")
    conn.execute("DROP TABLE documents")
    conn.execute("ALTER TABLE documents_old RENAME TO documents")
    conn.execute("DROP TABLE places")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.execute("COMMIT")
    conn.close()


def test_v2_database_reads_and_migrates(cli, tmp_path):
    (tmp_path / "nansha.txt").write_text(UNSTATED, encoding="utf-8")
    db = tmp_path / "z.db"
    assert cli("ingest", tmp_path / "nansha.txt", "--db", db).exit_code == 0
    _downgrade_to_v2(db)
    before = file_digest(db)
    assert docs_json(cli, db)["nansha.txt"]["jurisdiction"] == "苏州市"  # reading does not migrate
    assert file_digest(db) == before
    conn = store.connect(db, create=True)  # writing does
    assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(store.SCHEMA_VERSION)
    notnull = {r["name"]: r["notnull"] for r in conn.execute("PRAGMA table_info(documents)")}
    assert notnull["jurisdiction"] == 0
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT COUNT(*) FROM nodes n JOIN documents d ON d.rowid = n.document_rowid").fetchone()[0] > 0
    conn.close()
    assert docs_json(cli, db)["nansha.txt"]["jurisdiction"] == "苏州市"  # v2's default, until the next ingest
    (tmp_path / "other.txt").write_text(STATED, encoding="utf-8")
    res = cli("ingest", tmp_path / "other.txt", "--db", db)  # any ingest re-reads every stored document's place
    assert res.exit_code == 0, res.output
    docs = docs_json(cli, db)
    assert docs["nansha.txt"]["jurisdiction"] is None and docs["other.txt"]["jurisdiction"] == "苏州市"
    res = cli("ingest", tmp_path / "nansha.txt", "--db", db, "--jurisdiction", "南沙区")
    assert res.exit_code == 0, res.output
    assert docs_json(cli, db)["nansha.txt"]["jurisdiction"] == "南沙区"


# ---- 4. departments of other places are kept as written ----------------------------------------


@pytest.mark.parametrize(
    ("tag", "units"),
    [
        ("（区科技局、区财政局）", ("区科技局", "区财政局")),
        ("（市经信局）", ("市经信局",)),
        ("（区商务部门）", ("区商务部门",)),
        ("（广州市南沙区科技局、区财政局）", ("广州市南沙区科技局", "区财政局")),
        ("（县人社局、各镇人民政府）", ("县人社局", "各镇人民政府")),
        ("（苏州地区海关）", ("苏州地区海关",)),
    ],
)
def test_units_the_registry_does_not_know_are_kept(tag, units):
    tags = find_tags(tag)
    assert len(tags) == 1 and tags[0].all == units and tags[0].written == units


@pytest.mark.parametrize("text", ["（市级单位）", "（以下简称领导小组）", "（团队）", "（管委会）", "（含分所）", "（经营场所）", "（2024～2026年）"])
def test_other_brackets_are_not_tags(text):
    assert find_tags(text) == []


def test_known_names_are_still_mapped_for_suzhou_and_unknown_places():
    t = find_tags("（市大数据局、市经信委、区科技局）")[0]
    assert t.all == ("市数据局", "市工信局", "区科技局")
    assert find_tags("（市大数据局）", place="苏州市")[0].all == ("市数据局",)
    # another city's 市大数据局 is its own, not renamed after Suzhou's
    assert find_tags("（市大数据局、市经信委）", place="武汉市")[0].all == ("市大数据局", "市经信委")
    assert registry().canonical("大数据集团", place="广州市") == "大数据集团"
    assert registry().canonical("大数据集团") == "苏数科集团"
