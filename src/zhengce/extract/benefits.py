"""Benefit clauses: fixed and capped amounts, rate × base with caps, tiers, steps,
interest subsidies, floors, ranges, and amounts that point elsewhere.

Reading one sentence at a time:

1. every money and rate mention is classed by its neighbours: a threshold
   (设备投入5000万元以上, 超过50万元的), a cumulative cap (累计不超过), a step
   increment (每增加10万元), or a grant amount (after 给予/最高/奖励…);
2. a grant rate takes the next 最高/不超过 amount as its per-grant cap;
3. a run of amounts joined by 、 is a tier list, one benefit per tier;
4. sentence-level words set period (每年 / 一次性), duration (最多五年) and the
   cumulative cap;
5. sentences that grant without a number (按相关政策, 一事一议, 由市商务局另行制定,
   给予一定奖励) give a benefit with ``kind="unknown"`` and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import cn2an

from zhengce.extract.amounts import Money, Rate, find_money, find_rates
from zhengce.extract.clauses import RuleLine
from zhengce.extract.departments import DepartmentTag, find_tags
from zhengce.extract.model import Benefit

GRANT_RE = re.compile(r"给予|奖励|补贴|补助|资助|奖补|贴息|补偿|予以|获得|支持")
GRANT_NOUN_RE = re.compile(r"^(?:的)?(?:一次性)?[\u4e00-\u9fa5（）()]{0,10}?(?:奖励|补贴|补助|资助|奖补|支持|补偿|贴息|经费|资金|费用)")
THRESHOLD_AFTER_RE = re.compile(r"^(?:[(（]含[)）])?(?:以上|及以上|以下|以内|左右|及以下|的项目|的企业|规模|量级)")
THRESHOLD_BEFORE_RE = re.compile(
    r"(?:(?<!不)超过|达到?|不足|低于|高于|投入|收入|总投资|投资额?|规模|薪金|注册资本|营业收入|营收|销售额|产值|额度|融资|贷款|授信|交易额|进出口额)$"
)
BUDGET_BEFORE_RE = re.compile(r"(?:设立|安排|设置|筹集|统筹|新增)[\u4e00-\u9fa5]{0,6}$")  # a fund, not a grant
CUMULATIVE_BEFORE_RE = re.compile(r"累计(?:不超过|不高于|最高|最多)?(?:补助|支持|奖励|补贴|资助)?(?:不超过)?$")
STEP_BASE_BEFORE_RE = re.compile(r"每(?:增加|新增|增长)$")
CAP_BEFORE_RE = re.compile(r"(?:最高|不超过|不高于|最多|上限)(?:补贴|补助|奖励|支持|资助|给予)?(?:不超过)?$")
FLOOR_BEFORE_RE = re.compile(r"(?:不低于|不少于)$")
RATE_THRESHOLD_BEFORE_RE = re.compile(r"(?:不低于|不少于|超过|达到|增速|增长|占比|比重|≥|>|高于|低于|提高|下降|降低|占|率)$")
RATE_BASE_RE = re.compile(r"(?:按照?|依据其?|根据其?|给予)(?P<base>[^，。；按给]{2,40}?)(?:的)?$")
YEARS_RE = re.compile(r"(?:最多|连续|期限为|最长)(?:支持|享受)?([一二三四五六七八九十两\d]+)年")
# 每年 as a payment period; not 每年遴选/评选… (annual selection) nor 每年支持不超过10个项目 (annual count)
EVERY_YEAR_RE = re.compile(
    r"每年(?!遴选|评选|认定|组织|举办|发布|开展|安排|评定|培育|(?:支持|资助|立项|实施)?(?:不超过|最多|约)?[\d一二三四五六七八九十]+(?:个|项|家))"
)
ONE_OFF_RE = re.compile(r"一次性")
UNKNOWN_PATTERNS = (
    (re.compile(r"一事一议"), "一事一议"),
    (re.compile(r"按(?:照)?(?:国家|省|市)?(?:相关|对应|有关)(?:政策|规定)"), "按相关政策"),
    (re.compile(r"由[^，。；]{2,20}另行制定"), "delegated"),
    (re.compile(r"给予一定(?:的)?(?:奖励|支持|补贴|补助|资助)"), "unspecified"),
)
SCOPE_WORDS = (
    ("单个企业", "per_enterprise"),
    ("每家企业", "per_enterprise"),
    ("单个项目", "per_project"),
    ("每个项目", "per_project"),
    ("单个实验室", "per_unit"),
    ("每场活动", "per_event"),
    ("每台（套）", "per_item"),
    ("/项", "per_item"),
    ("每项", "per_item"),
)


@dataclass
class _Mention:
    start: int
    end: int
    role: str  # grant | cap | cumulative | threshold | step_base | floor
    money: Money | None = None
    rate: Rate | None = None


def _years(s: str) -> int | None:
    m = YEARS_RE.search(s)
    if not m:
        return None
    try:
        return int(cn2an.cn2an(m.group(1), "smart"))
    except (ValueError, KeyError):
        return None


def _classify_money(s: str, m: Money, first_grant: int | None) -> str:
    before, after = s[max(0, m.start - 10) : m.start], s[m.end : m.end + 6]
    if CUMULATIVE_BEFORE_RE.search(before):
        return "cumulative"
    if STEP_BASE_BEFORE_RE.search(before):
        return "step_base"
    if BUDGET_BEFORE_RE.search(before):
        return "budget"
    if THRESHOLD_AFTER_RE.match(after) or THRESHOLD_BEFORE_RE.search(before):
        return "threshold"
    if FLOOR_BEFORE_RE.search(before):
        if re.search(r"(?:投入|投资|安排|筹集|规模)(?:不低于|不少于)$", before):
            return "budget"  # 五年内投入不少于800亿元: a spending commitment, not a grant
        return "floor"
    if CAP_BEFORE_RE.search(before):
        return "cap"
    if first_grant is not None and first_grant < m.start:
        return "grant"
    if GRANT_NOUN_RE.match(s[m.end :]):
        return "grant"  # 3000万元项目支持, 200万元奖励
    return "threshold"


def _classify_rate(s: str, r: Rate, has_grant: bool) -> str:
    before, after = s[max(0, r.start - 6) : r.start], s[r.end : r.end + 4]
    clause = re.split(r"[，,]", s[: r.start])[-1]
    if re.match(r"(?:的)?(?:价格)?(?:扣除|折扣|优惠)", after):
        return "threshold"  # 报价10%扣除: a price deduction, not a grant
    if RATE_THRESHOLD_BEFORE_RE.search(before) or THRESHOLD_AFTER_RE.match(after):
        if not re.search(r"(?:按|给予|的)$", before):
            return "threshold"
    if re.search(r"不少于|不低于|(?<!不)超过|达到|高于|低于|增速|增长|占比|比重|≥", clause) and not re.search(r"按|给予|奖励|补贴|补助", clause):
        return "threshold"
    return "grant" if has_grant else "threshold"


def _beneficiary(s: str, upto: int) -> str | None:
    head = s[:upto]
    found = list(re.finditer(r"(?:^|[，,])(?:对于?|向)(?P<who>[^，,]{2,60}?)(?:[，,]|给予|按|予以|分别|每年|$)", head))
    m = found[-1] if found else None  # the recipient named last before the amount
    if m:
        return m.group("who")
    m = re.search(r"(?:^|[，,])(?:支持|鼓励)(?P<who>[^，,]{2,40}?)(?:[，,]|开展|建设|参与)", head)
    return m.group("who") if m else None


def _scope(s: str) -> str | None:
    for word, scope in SCOPE_WORDS:
        if word in s:
            return scope
    return None


def extract_benefits(line: RuleLine, doc_id: str) -> list[Benefit]:
    """Benefits stated in one line of rule text."""
    text = line.text
    tags = find_tags(text)
    out: list[Benefit] = []
    for s0, s1 in _split_at_tags(line.sentences(), tags):
        s = text[s0:s1]
        if not GRANT_RE.search(s):
            continue
        if any(t.start <= s0 and s1 <= t.end for t in tags):
            continue  # the sentence is a responsibility tag
        tag = _tag_after(tags, s1)
        made = _from_sentence(line, doc_id, s, s0, tag)
        out.extend(made)
    return out


def _split_at_tags(sentences: Iterable[tuple[int, int]], tags: list[DepartmentTag]) -> list[tuple[int, int]]:
    """A responsibility tag closes the item before it even without a 。 after it."""
    out = []
    for s0, s1 in sentences:
        for t in tags:
            if s0 <= t.start and t.end < s1:
                if t.start > s0:
                    out.append((s0, t.start))
                s0 = t.end
        out.append((s0, s1))
    return out


def _tag_after(tags: list[DepartmentTag], pos: int) -> DepartmentTag | None:
    return next((t for t in tags if t.start >= pos - 1), None)


def _from_sentence(line: RuleLine, doc_id: str, s: str, offset: int, tag: DepartmentTag | None) -> list[Benefit]:
    grant_match = GRANT_RE.search(s)
    first_grant = grant_match.start() if grant_match else None
    mentions: list[_Mention] = []
    for m in find_money(s):
        if m.currency != "CNY":
            continue
        mentions.append(_Mention(m.start, m.end, _classify_money(s, m, first_grant), money=m))
    for r in find_rates(s):
        mentions.append(_Mention(r.start, r.end, _classify_rate(s, r, first_grant is not None), rate=r))
    mentions.sort(key=lambda x: x.start)

    cumulative = next((x.money.yuan for x in mentions if x.role == "cumulative" and x.money), None)
    step_base = next((x.money.yuan for x in mentions if x.role == "step_base" and x.money), None)
    max_years = _years(s)
    records: list[dict] = []
    used: set[int] = set()

    grants = [x for x in mentions if x.role in ("grant", "cap", "floor")]
    for i, x in enumerate(grants):
        if id(x) in used:
            continue
        if x.rate is not None:
            rec = {"kind": "interest" if x.rate.unit == "个百分点" else "rate", "rate": x.rate, "first": x, "last": x}
            bm = RATE_BASE_RE.search(s[: x.start])
            rec["base"] = bm.group("base") if bm else None
            if "上浮" in s[max(0, x.start - 4) : x.start]:
                rec["base"] = (rec["base"] or "") + "（上浮）" if rec["base"] else "支持金额（上浮）"
            # the per-grant cap: the next 最高/不超过 amount before any other rate
            for y in grants[i + 1 :]:
                if y.rate is not None:
                    break
                if y.money is not None and y.role == "cap" and id(y) not in used:
                    rec["cap"] = y
                    rec["last"] = y
                    used.add(id(y))
                    break
            records.append(rec)
            used.add(id(x))
            continue
        if x.money is None:
            continue
        kind = "fixed"
        if step_base is not None and re.search(r"每(?:增加|新增)[^，。；]{0,12}[，,]?再?给予[^，。；]{0,4}$", s[: x.start]):
            kind = "step"
        rec = {"kind": kind, "money": x, "first": x, "last": x, "floor": x.role == "floor"}
        records.append(rec)
        used.add(id(x))

    # tiers: consecutive amounts of the same kind joined by 、 (分别给予A、B、C)
    _mark_tiers(s, records)

    if not records:
        reason = next((why for rx, why in UNKNOWN_PATTERNS if rx.search(s)), None)
        if reason and not any(x.role == "threshold" for x in mentions if x.rate is None and x.money is None):
            records.append({"kind": "unknown", "first": None, "last": None, "reason": reason})

    out: list[Benefit] = []
    prev_start = prev_end = 0
    for k, rec in enumerate(records):
        last = rec["last"]
        q_end = _clause_end(s, last.end) if last is not None else len(s)
        if k == len(records) - 1 or (rec.get("tiers") and rec.get("tier") == rec.get("tiers")):
            q_end = len(s) if k == len(records) - 1 else q_end
        first_pos = rec["first"].start if rec["first"] else 0
        if k and first_pos < prev_end:  # named inside the previous quote (…3000万元项目支持和最高200万元购房补贴)
            q_start, q_end = prev_start, max(q_end, prev_end)
        else:
            q_start = _quote_start(s, first_pos, prev_end)
        region_start = prev_end if q_start >= prev_end else prev_start
        prev_start = q_start
        if rec.get("tier") is None or rec.get("tier") == rec.get("tiers"):
            prev_end = q_end
        clause = s[q_start:q_end]
        region = s[region_start:q_end]
        period = None
        if ONE_OFF_RE.search(s[max(0, (rec["first"].start if rec["first"] else 0) - 12) : q_end] if rec.get("tiers") else clause):
            period = "one_off"
        elif EVERY_YEAR_RE.search(region):
            period = "per_year"
        if max_years is not None and period is None:
            period = "per_year"
        benefit = Benefit(
            **line.cite(doc_id, offset + q_start, offset + q_end),
            kind=rec["kind"],
            beneficiary=_beneficiary(s, rec["first"].start if rec["first"] else len(s)),
            departments=list(tag.all) if tag else [],
            lead_departments=list(tag.lead) if tag else [],
            period=period,
            max_years=max_years,
            cap_total_yuan=cumulative,
            cap_scope=_scope(clause),
            tier=rec.get("tier"),
            tiers=rec.get("tiers"),
        )
        if rec["kind"] in ("rate", "interest"):
            r: Rate = rec["rate"]
            benefit.rate = float(r.rate)
            benefit.rate_max = float(r.rate_max) if r.rate_max is not None else None
            benefit.base = rec.get("base")
            if "cap" in rec:
                benefit.amount_yuan = rec["cap"].money.yuan
                benefit.amount_is_cap = True
        elif rec["kind"] in ("fixed", "step"):
            x: _Mention = rec["money"]
            if rec.get("floor"):
                benefit.floor_yuan = x.money.yuan
            else:
                benefit.amount_yuan = x.money.yuan
                benefit.amount_is_cap = x.role == "cap" or "最高" in s[max(0, x.start - 8) : x.start] or rec.get("tier_capped", False)
            if rec["kind"] == "step":
                benefit.step_yuan = step_base
                benefit.base = "每增加" + (f"{step_base}元" if step_base else "")
        else:
            benefit.unknown_reason = rec["reason"]
        out.append(benefit)
    return out


def _mark_tiers(s: str, records: list[dict]) -> None:
    run: list[dict] = []

    def flush() -> None:
        if len(run) > 1:
            capped = any(r.get("money") is not None and r["money"].role == "cap" for r in run)
            for k, r in enumerate(run, 1):
                r["tier"], r["tiers"] = k, len(run)
                r["tier_capped"] = capped  # 最高300万元、100万元: every tier is "up to"
        run.clear()

    for rec in records:
        if run and rec["kind"] == run[-1]["kind"] and rec["first"] is not None:
            between = s[run[-1]["last"].end : rec["first"].start]
            if re.fullmatch(r"(?:/[项个家台套])?[、和及](?:最高)?|(?:/[项个家台套])?、[^，。；]{0,14}?(?:最高)?", between) and "给予" not in between:
                run.append(rec)
                continue
        flush()
        run.append(rec)
    flush()


def _clause_end(s: str, pos: int) -> int:
    m = re.compile(r"[，,]").search(s, pos)
    return m.start() if m else len(s)


def _quote_start(s: str, first: int, prev_end: int) -> int:
    """Start of the quote: the clause that opens the grant (对…/支持…), not before ``prev_end``."""
    head = s[prev_end:first]
    idx = max(head.rfind("对"), -1)
    cut = max((m.end() for m in re.finditer(r"[，,]", head[: idx if idx >= 0 else len(head)])), default=0)
    start = prev_end + (idx if idx >= 0 and (idx == 0 or head[idx - 1] in "，,") else cut)
    while start < len(s) and s[start] in "，, ":
        start += 1
    return start


def benefits_for_lines(lines: Iterable[RuleLine], doc_id: str) -> list[Benefit]:
    out: list[Benefit] = []
    for ln in lines:
        out.extend(extract_benefits(ln, doc_id))
    return out
