"""Benefit clauses: fixed and capped amounts, rate × base with caps, tiers, steps,
interest subsidies, floors, ranges, per-unit amounts, phased periods, and grants
whose amount is not stated.

Reading one line of rule text, one sentence at a time:

1. every money and rate mention is classed by its neighbours: a threshold
   (设备投入5000万元以上, 超过50万元的, 1000万元-1亿元的), a cumulative cap
   (累计不超过, 三年最高), a step increment (每增加10万元), a fund size
   (安排300万元资金), a payment schedule (分三年按30%、30%、40%拨付), a cost
   share (省、市各分担50%), a reference (在省级给予2%贴息的基础上), a quota
   (50%的贷款贴息额度), or a grant amount (after 给予/最高/奖励…);
2. a run of amounts joined by 、 is a tier list, one benefit per tier, each with
   the class or level that distinguishes it (``tier_label``);
3. a grant rate, step or per-unit amount (20万元/家, 每人每月500元) takes the
   最高/不超过 amounts written after it as its cap; one cap after a tier list
   caps every tier, a 分别 list of as many caps pairs with the tiers; a yearly cap
   (年度最高不超过) is kept as ``cap_per_year_yuan``;
4. words around each benefit set period (每年 / 每月 / 一次性), duration (最多五年,
   补贴期限为3年 imply yearly payments; 五年内 is only a window), phases (前3年…后2年,
   第一年…第二年…, 第一、二、三个会计年度…分别: one benefit per phase) and the
   cumulative cap — within the benefit's own 对… clause;
5. clauses that grant without a number (按相关政策, 一事一议, 由…另行制定,
   给予一定比例的资金扶持, 保费给予补贴, 适当补贴, 定额补助) give a benefit
   with ``kind="unknown"`` and the reason, never a guessed amount;
6. across the sentences of one line: a sentence that only states caps
   (…最高奖励额度分别为1000万元、800万元、600万元) or only a duration
   (补贴期限为3年) completes the benefits before it (back to the item's heading);
   items under a heading that announces them (具体支持标准为：) are grants;
   a responsibility tag alone on the next line is the line's tag;
7. every benefit says who receives the money (``beneficiary_class``): an
   enterprise, a government (县级市（区）), an individual (人才, 毕业生), a
   financial institution (合作银行, 保险机构) or an organisation (高校, 协会).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import cn2an

from zhengce.corpus.text import clean
from zhengce.extract.amounts import Money, Rate, find_money, find_rates
from zhengce.extract.clauses import RuleLine
from zhengce.extract.departments import DepartmentTag, find_tags
from zhengce.extract.model import Benefit

CN_NUM = "一二三四五六七八九十两"
GRANT_RE = re.compile(r"给予|奖励|补贴|补助|资助|奖补|贴息|补偿|予以|获得|支持|扶持")
GRANT_NOUN_RE = re.compile(
    r"^(?:的)?(?:一次性)?[\u4e00-\u9fa5（）()]{0,10}?(?:奖励|补贴|补助|资助|奖补|支持|补偿|贴息|经费|资金|费用)"
)
THRESHOLD_AFTER_RE = re.compile(
    r"^(?:[(（]含[)）])?(?:以上|及以上|以下|以内|左右|及以下|的项目|的企业|规模|量级)"
    r"|^\s?[-－—~～至到]\s?[\d一二三四五六七八九十]"  # 1000万元-1亿元: a range of the base
    r"|^[(（]不?含[^)）]{0,8}[)）](?:的|以上|以下)"
)
THRESHOLD_BEFORE_RE = re.compile(
    r"(?:(?<!不)超过?|突破|达到?|不足|(?<!不)低于|高于|投入|收入|总投资|投资额?|规模|薪金|注册资本"
    r"|营业收入|营收|销售额|产值|额度|融资|贷款|授信|交易额|进出口额)$"
)
BUDGET_BEFORE_RE = re.compile(r"(?:设立|安排|设置|筹集|统筹|新增)[\u4e00-\u9fa5]{0,6}$")  # a fund, not a grant
CUMULATIVE_BEFORE_RE = re.compile(
    r"累计(?:不超过|不高于|最高|最多)?(?:补助|支持|奖励|补贴|资助)?(?:不超过)?$"
    # 三年最高给予300万元: a total over the years
    r"|(?<![每年])[一二三四五六七八九十两\d]+年(?:内|期间)?(?:累计)?(?:最高|不超过|最多)(?:给予|补助|支持|奖励|补贴|资助)?(?:不超过)?$"
)
STEP_BASE_BEFORE_RE = re.compile(r"每(?:增加|新增|增长|上一个|跨越一个|提高|多)$")
# 费用支出每增加10万元，再给予3万元 / 营业收入每增长1000万元可获得1万元
STEP_GRANT_BEFORE_RE = re.compile(
    r"每(?:增加|新增|增长|上一个|跨越一个|提高|多)[^，。；]{0,12}[，,]?(?:再|可|则)?(?:给予|获得|奖励|补贴|补助|资助)[^，。；]{0,4}$"
)
CAP_BEFORE_RE = re.compile(
    r"(?:最高|不超过|不高于|最多|上限|封顶)(?:补贴|补助|奖励|支持|资助|给予|扶持|奖补|补偿)?(?:不超过)?$"
    r"|(?:补助|补贴|奖励|资助|奖补|支持)(?:金?额|总额|资金|金额)(?:度)?(?:最高)?(?:分别)?(?:为|不超过|不高于|最高)$"
)
# 年度最高不超过, 每年最高, 年度补贴总额不超过 (not 三年累计: a total over three years)
YEAR_CAP_BEFORE_RE = re.compile(r"(?<![一二三四五六七八九十两\d])(?:年度|每年|年)[^，,。；]{0,8}$")
FLOOR_BEFORE_RE = re.compile(r"(?:不低于|不少于)$")
RATE_THRESHOLD_BEFORE_RE = re.compile(
    r"(?:不低于|不少于|超过|达到|增速|增长|占比|比重|≥|>|高于|低于|提高|下降|降低|占|率)$"
)
RATE_CAP_BEFORE_RE = re.compile(
    r"(?:比例|补助|补贴|奖励|资助|贴息|扶持|给予|按照?|以)(?:比例)?(?:最高|原则上)?(?:不超过|不高于|最高|最多)(?:按|给予)?$"
    r"|(?:最高|不超过|不高于)(?:按照?|给予)[^，,。；\d%]{0,24}$"  # 最高按照项目投入的15%
    r"|(?:按照?|给予)(?:不超过|不高于|最高)[^，,。；\d%]{0,24}$"  # 按不超过实际支付费用的20%
)
RATE_BASE_RE = re.compile(r"(?:按照?|依据其?|根据其?|给予)(?P<base>[^，。；按给]{2,40}?)(?:的)?$")
# a base named earlier in the sentence: 按照项目投资额进行综合奖补，其中先导产业奖励12%
RATE_BASE_EARLIER_RE = re.compile(
    r"(?:按照?|依据其?|根据其?|以)(?P<base>[^，。；按给%\d、]{2,30}?"
    r"(?:额|费|费用|金额|成本|投入|投资|支出|收入|价格|价款|租金|利息|保费|损失|总额|贡献|合同额))"
    r"(?:的|为基数|为基础|进行|给予|，|,)"
)
SCHEDULE_RE = re.compile(
    r"拨付|兑付|兑现|分(?:[一二三四五六两\d]+)?(?:年|期|次|批|段)(?:按|拨|兑|支付|到位)|首期|首笔|分段支付|分期支付|后支付"
)
UPLIFT_BEFORE_RE = re.compile(r"(?:奖励|补贴|补助|支持|资助|奖补)(?:资金|金额|标准|额度)?(?:提高|上浮|增加)$")
# 租金全额补贴: 100% of a named cost (全额奖补 alone names no base and is left alone)
FULL_AMOUNT_RE = re.compile(
    r"(?<=费|金|息|款|本)(?:的)?全额(?=补贴|补助|资助|奖补|返还|贴息|承担|报销|退还)"
    r"|给予全额(?=补贴|补助|资助|奖补|返还|贴息|报销|退还)"
)

NUMW = rf"[{CN_NUM}\d]+"
GRANT_WORDS = r"给予|每年|支持|享受|补贴|补助|奖励|奖补|返还|按|予以|给|分别|累计|最高|对其"
# durations; the flag says whether they imply a payment every year (连续3年, 期限为3年) or only a
# window (3年内给予最高500万元)
PAY_VERBS = r"支持|享受|补贴|补助|奖励|给予|贴息|扶持|资助"
YEARS_RES = (
    # 最多五年, 期限为3年, 最长不超过5年, 扶持时间三年
    (re.compile(
        rf"(?:最多|最长|期限为?|期限是|为期|(?:扶持|补贴|补助|奖励|支持|享受|资助)(?:时间|年限)为?)"
        rf"(?:不超过|不得超过)?(?:{PAY_VERBS})?(?P<n>{NUMW})(?:个)?年"
    ), True),
    # 连续三年给予 / 连续支持不超过2年 (not 连续三年营业收入增长: a condition)
    (re.compile(
        rf"连续(?:{PAY_VERBS})?(?:不超过|最多|最长)?(?P<n>{NUMW})(?:个)?年"
        rf"(?=[，,]?(?:{GRANT_WORDS}|的(?:奖励|补贴|补助|支持)|$))"
    ), True),
    (re.compile(rf"连续(?:{PAY_VERBS})(?:不超过|最多|最长)?(?P<n>{NUMW})(?:个)?年"), True),
    (re.compile(rf"(?:给予|享受)(?:连续)?(?P<n>{NUMW})(?:个)?年(?:的|期)"), True),
    # 五年内给予, 3 年内给予最高500万元: a window, not yearly payments
    (re.compile(
        rf"(?<![前后第\d{CN_NUM}])(?P<n>{NUMW})\s?(?:个)?年(?:内|期间)(?=[，,]?[^，,。；\d]{{0,8}}?(?:{GRANT_WORDS}))"
    ), False),
)
PHASE_RE = re.compile(
    rf"(?:(?P<lead>前|后|首)(?P<n>{NUMW})(?:个)?年"
    rf"|第(?P<a>{NUMW})(?:(?:[-－—~～至到、和])第?(?P<b>{NUMW}))?(?:个)?年(?P<on>起|开始|以后)?)(?!度|内|以?[上下])"
)
# 每年 as a payment period; not 每年遴选/评选… (annual selection) nor 每年支持不超过10个项目 (annual count)
EVERY_YEAR_RE = re.compile(
    r"每年(?!遴选|评选|认定|组织|举办|发布|开展|安排|评定|培育|累计|对[^，,。；]{0,20}(?:进行|开展|组织)"
    r"|(?:支持|资助|立项|实施)?(?:不超过|最多|约)?[\d一二三四五六七八九十]+(?:个|项|家))"
)
EVERY_MONTH_RE = re.compile(r"每月|按月|/月|／月")
ONE_OFF_RE = re.compile(r"一次性")

UNIT_WORDS = (
    "平方米|平米|㎡|TEU|标箱|千瓦时|千瓦|兆瓦|台（套）|台\\(套\\)|台套"
    "|家|个|人|名|件|台|套|箱|吨|亩|度|次|场|辆|架|艘|批|张|份|户|条|款|项|车|单|票|天|月|年"
)
UNIT_SLASH_RE = re.compile(rf"^(?:(?:/|／|每)(?:{UNIT_WORDS}))+")
EACH_VERB = (
    r"(?:引进|新增|培育|认定|招引|新建|建成|落户|招用|吸纳|录用|聘用|开设|开通|引进培育|招收|接收|安置|培训|留用|带动|服务|举办)"
)
# 每人每月, 每TEU, 每引进一家, 每留用1人 … before an amount
UNIT_EACH_BEFORE_RE = re.compile(
    rf"每(?:{EACH_VERB}(?:一|1)?)?(?P<u>{UNIT_WORDS})(?:每(?P<u2>{UNIT_WORDS}))?(?:[^。；\d]{{0,16}}?)?$"
)
STEP_UNITS_BEFORE_RE = re.compile(rf"每(?P<n>\d+(?:\.\d+)?)(?P<u>{UNIT_WORDS})[^，,。；\d]{{0,8}}$")  # 每2000平方米奖补5万元
NOUN_AFTER_UNIT_RE = re.compile(r"^(?:企业|单位|项目|机构|平台|公司|主体|园区|基地|产品|活动|展会|课题)")

UNKNOWN_PATTERNS = (
    (re.compile(r"一事一议"), "一事一议"),
    (re.compile(r"按(?:照)?(?:[^，。；按]{0,12}?(?:相关|对应|有关))?(?:政策|规定)"), "按相关政策"),
    (re.compile(r"由[^，。；]{2,20}(?:另行)?制定"), "delegated"),
    (re.compile(r"一定(?:的)?比例"), "一定比例"),
    (re.compile(r"适当(?:的)?(?:奖励|补贴|补助|资助|支持|扶持|奖补)"), "适当"),
    (re.compile(r"定额(?:的)?(?:奖励|补贴|补助|资助|奖补)"), "定额"),
    (re.compile(r"给予一定(?:的)?(?:奖励|支持|补贴|补助|资助|扶持)"), "unspecified"),
)
# money is clearly granted (a grant verb with a money noun), though no amount is written
UNKNOWN_GRANT_RE = re.compile(
    r"(?:给予|予以|进行)[^，。；]{0,14}?(?:奖励|补贴|补助|资助|奖补|贴息|补偿|资金支持|资金扶持|经费支持|资金奖励)"
    r"|(?:资金|奖励|奖补|补贴|补助)(?:予以|给予)(?:支持|扶持)"
)
NOT_A_GRANT_RE = re.compile(
    r"不再|不予|不得|不重复|不能|不可|取消|追回|收回|退回|追缴|骗取|冒领|套取|已享受|已获得|已获|就高|申报|争取"
    r"|税款|纳税|所得税|资金池|(?:设立|安排|统筹)[^，。；]{0,10}(?:资金|基金)"
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

# who receives the money: the keyword written last in the recipient phrase decides
CLASS_WORDS = (
    (
        "government",
        r"县级市(?:[（(<]区[)）>])?|县（市、区）|市（区）|市\(区\)|[各本所在]区|区（县）|区政府|人民政府|政府|管委会"
        r"|乡镇|街道|板块|产业集聚区|先导区|示范区(?!企业)",
    ),
    (
        "individual",
        r"个人|人才|毕业生|博士后?|硕士|研究生|大学生|留学生|学生|专家|院士|工匠|技师|技工|职工|员工|人员|创业者"
        r"|带头人|负责人|企业家|团队|农户|居民|消费者|购房者|家庭|老人|残疾人|退役军人|干部|官员|工作者|骨干|师傅"
        r"|学徒|新市民|驾驶员|司机|志愿者|见习人员|学员",
    ),
    (
        "financial_institution",
        r"银行|金融机构|保险机构|保险公司|担保机构|担保公司|融资担保|再担保|小额贷款公司|小贷公司|融资租赁公司"
        r"|保理公司|证券公司|期货公司|承保机构|信托公司|创投机构|创业投资机构|投资机构|创业投资基金|私募基金",
    ),
    (
        "organisation",
        r"高校|高等院校|高等学校|大学|学院|职业院校|院校|科研院所|科研机构|研究院所|研究所|行业协会|协会|商会|学会"
        r"|联合会|社会组织|社会团体|民办非企业|医院|医疗机构|卫生院|学校|幼儿园|事业单位|基金会|慈善组织|新型研发机构",
    ),
    (
        "enterprise",
        r"企业|公司|项目|平台|主体|园区|基地|载体|孵化器|加速器|众创空间|科技园|产业园|商户|个体工商户|门店|店铺"
        r"|网店|零售店|运营方|建设方|使用方|供给方|服务商|供应商|厂商|集团|工厂|总部|卖家|实验室|中心",
    ),
)
CLASS_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in CLASS_WORDS))
NOT_RECIPIENT_BEFORE_RE = re.compile(r"(?:向|通过|从|(?<!所)在|与|经|由|联合)$")
GIVER_AFTER_RE = re.compile(
    r"^(?:可|将|再|要|应)?(?:联动|统筹|财政|安排|负责|牵头|按照?|给予|对|予以|共同|分担|承担|出资|设立)"
)
RISK_COMP_RE = re.compile(r"风险补偿|损失补偿|代偿补偿|风险分担|不良贷款")

HEADING_START = r"(?:[（(][一二三四五六七八九十百\d]+[)）]|[一二三四五六七八九十百\d]+[、．.]|第[一二三四五六七八九十百\d]+条)"
HEADING_LABEL = HEADING_START + r"?\s*"  # a sentence may open with its item's label: （三）对…
LEVEL_LIST_RE = re.compile(r"(?:国家|省|市|县|区|部)级?(?:[、和及与或](?:国家|省|市|县|区|部)级?)+")
LIST_BOUNDARY_RE = re.compile(r"达到|超过|获评|获得|认定为|评为|被评为|认定|入选|列入|纳入|分别为|分别|为|对于?|其中")


@dataclass
class _Mention:
    start: int
    end: int
    role: str  # grant | cap | cumulative | threshold | step_base | floor | budget | schedule
    money: Money | None = None
    rate: Rate | None = None
    per_unit: str | None = None  # 20万元/家 → 家
    step_unit: str | None = None  # 每2000平方米奖补5万元 → 2000平方米
    formula: bool = False  # 住宿间夜数*150元
    unit_period: str | None = None  # 元/月 → per_month
    year_cap: bool = False  # 年度最高不超过…


@dataclass
class _Rec:
    kind: str
    first: _Mention | None
    last: _Mention | None
    money: _Mention | None = None
    rate: Rate | None = None
    base: str | None = None
    cap: _Mention | None = None
    floor: bool = False
    reason: str | None = None
    span: tuple[int, int] | None = None  # unknowns: their own clause
    tier: int | None = None
    tiers: int | None = None
    tier_capped: bool = False
    tier_label: str | None = None
    first_year: int | None = None
    phase_years: int | None = None
    rate_is_cap: bool = False
    year_cap: _Mention | None = None  # a yearly cap written after the per-grant cap


def _cn_int(s: str) -> int | None:
    try:
        return int(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def _years(s: str) -> int | None:
    found = _duration(s)
    return found[0] if found else None


def _duration(s: str) -> tuple[int, bool] | None:
    """(years, whether they are years of payment) of 连续3年 / 期限为3年 / 3年内."""
    found = _durations(s)
    return found[0][1:] if found else None


def _durations(s: str) -> list[tuple[int, int, bool]]:
    """(position, years, yearly) of every duration in ``s``; the first pattern that matches wins per place."""
    out: list[tuple[int, int, bool]] = []
    for rx, yearly in YEARS_RES:
        for m in rx.finditer(s):
            n = _cn_int(m.group("n"))
            if n is not None and 0 < n <= 30 and not any(abs(p - m.start()) < 6 for p, _, _ in out):
                out.append((m.start(), n, yearly))
    return sorted(out)


def _same_grant(s: str, a: int, b: int) -> bool:
    """No new recipient clause (，对…) opens between positions ``a`` and ``b``."""
    lo, hi = min(a, b), max(a, b)
    return not re.search(r"[，,；;](?:对于?|向)", s[lo:hi])


def _unit_after(s: str, end: int) -> tuple[str | None, str | None]:
    """20万元/家 → (家, None); 40元/平方米/月 → (平方米·月, per_month); 500元/年 → (None, per_year)."""
    m = UNIT_SLASH_RE.match(s[end:])
    if not m:
        return None, None
    units = [u for u in re.split(r"/|／|每", m.group(0)) if u]
    return _units(units)


def _units(units: list[str]) -> tuple[str | None, str | None]:
    period = "per_month" if "月" in units else "per_year" if units and units[-1] == "年" else None
    keep = [u for u in units if u != "年"]
    if keep == ["月"]:
        keep = []
    keep = [u.replace("台(套)", "台（套）") for u in keep]
    return ("·".join(keep) or None), period


def _unit_before(s: str, start: int) -> tuple[str | None, str | None]:
    """每人每月500元 → (人·月, per_month); 每TEU补贴50元 → (TEU, None); 每家企业最高… → none."""
    head = s[max(0, start - 24) : start]
    m = None
    for k in (i for i, ch in enumerate(head) if ch == "每"):
        m = UNIT_EACH_BEFORE_RE.match(head, k)
        if m and (not re.search(r"[，,]", head[k:]) or re.match(rf"每{EACH_VERB}", head[k:])):
            break
        m = None
    if not m:
        return None, None
    if NOUN_AFTER_UNIT_RE.match(head[m.end("u2") if m.group("u2") else m.end("u") :]):
        return None, None  # 每家企业最高…: the recipient's cap, not a per-unit amount
    units = [m.group("u")] + ([m.group("u2")] if m.group("u2") else [])
    if units[0] == "年":
        return None, None  # 每年: a period, handled elsewhere
    return _units(units)


def _is_reference(s: str, start: int, end: int) -> bool:
    """在省级财政给予2%贴息的基础上: an amount named only as the base of another one."""
    a = max(s.rfind("，", 0, start), s.rfind(",", 0, start)) + 1
    return bool(re.search(r"在[^，,]*$", s[a:start])) and bool(re.match(r"^[^，,]{0,12}?(?:的)?基础上", s[end:]))


def _classify_money(s: str, m: Money, first_grant: int | None, per_unit: str | None = None) -> str:
    before, after = s[max(0, m.start - 10) : m.start], s[m.end : m.end + 6]
    if _is_reference(s, m.start, m.end):
        return "threshold"
    clause = _clause_around(s, m.start, m.end)
    if SCHEDULE_RE.search(clause) and not re.search(r"给予|奖励|补贴|补助", clause):
        return "schedule"
    if re.search(r"分[两二三四五\d](?:期|次|批)(?:拨付|支付|兑付|下达)", s[: m.start]):
        return "schedule"  # 项目经费分两期拨付，立项后给予30万元…验收后给予70万元: instalments of the grant above
    if CUMULATIVE_BEFORE_RE.search(before):
        return "cumulative"
    if STEP_BASE_BEFORE_RE.search(before):
        return "step_base"
    if BUDGET_BEFORE_RE.search(before):
        return "budget"
    if THRESHOLD_AFTER_RE.match(after) or THRESHOLD_BEFORE_RE.search(before):
        if not re.search(r"(?:补助|补贴|奖励|资助|奖补|支持)(?:金?额|总额|金额)度?(?:最高)?(?:分别)?(?:为|不超过|不高于|最高)$", before):
            return "threshold"
    if FLOOR_BEFORE_RE.search(before):
        if re.search(r"(?:投入|投资|安排|筹集|规模)(?:不低于|不少于)$", before):
            return "budget"  # 五年内投入不少于800亿元: a spending commitment, not a grant
        if not re.search(r"给予|奖励|补贴|补助|资助|支持|奖补", _clause_before(s, m.start)):
            return "threshold"  # 营业收入不低于1亿元的: a condition
        return "floor"
    if CAP_BEFORE_RE.search(before):
        return "cap"
    if first_grant is not None and first_grant < m.start:
        return "grant"
    if per_unit is not None and first_grant is not None:
        return "grant"  # 按20万元/家给予奖励, 每TEU补贴50元
    if re.search(r"按照?(?:标准)?$|标准为$", before) and first_grant is not None:
        return "grant"  # 按500元给予补贴
    if GRANT_NOUN_RE.match(s[m.end :]):
        return "grant"  # 3000万元项目支持, 200万元奖励
    return "threshold"


def _clause_before(s: str, pos: int, most: int = 30) -> str:
    """The text of the clause before ``pos`` (back to the last comma), at most ``most`` characters."""
    a = max(s.rfind("，", 0, pos), s.rfind(",", 0, pos)) + 1
    return s[max(a, pos - most) : pos]


def _clause_around(s: str, start: int, end: int) -> str:
    a = max(s.rfind("，", 0, start), s.rfind(",", 0, start)) + 1
    m = re.compile(r"[，,]").search(s, end)
    return s[a : m.start() if m else len(s)]


def _classify_rate(s: str, r: Rate, has_grant: bool) -> str:
    before, after = s[max(0, r.start - 6) : r.start], s[r.end : r.end + 4]
    clause = re.split(r"[，,]", s[: r.start])[-1]
    whole = _clause_around(s, r.start, r.end)
    if re.match(r"(?:的)?(?:价格)?(?:扣除|折扣|优惠)", after):
        return "threshold"  # 报价10%扣除: a price deduction, not a grant
    if re.match(r"^(?:的)?[^，,。；]{0,8}额度", s[r.end : r.end + 12]):
        return "threshold"  # 最高可申请总项目投资50%的贷款贴息额度: a quota, not a grant
    if _is_reference(s, r.start, r.end):
        return "threshold"
    if re.match(r"^(?:的比例)?(?:计入|计算|核定|折算)", after):
        return "threshold"  # 基建投资按…总投资的30%计入: how the base is counted
    if SCHEDULE_RE.search(whole) and not re.search(r"给予|补贴|补助", whole):
        return "schedule"  # 分三年按30%、30%、40%拨付: a payment schedule
    if re.search(r"(?:分担|承担|负担)$", before) or re.search(r"[^，,]*(?:各|分别)(?:分担|承担|负担)$", before):
        return "share"  # 省、市各分担50%: who pays, not what is paid
    if UPLIFT_BEFORE_RE.search(s[max(0, r.start - 12) : r.start]):
        return "grant" if has_grant else "threshold"  # 年度奖励资金提高10%
    if RATE_CAP_BEFORE_RE.search(_clause_before(s, r.start)):
        return "grant" if has_grant else "threshold"
    if RATE_THRESHOLD_BEFORE_RE.search(before) or THRESHOLD_AFTER_RE.match(after):
        if not re.search(r"(?:按|给予|的)$", before):
            return "threshold"
    if re.search(r"不少于|不低于|(?<!不)超过|达到|高于|低于|增速|增长|占比|比重|≥", clause) and not re.search(r"按|给予|奖励|补贴|补助", clause):
        return "threshold"
    return "grant" if has_grant else "threshold"


BENEFICIARY_RE = re.compile(rf"(?:^{HEADING_LABEL}|[，,])(?:对于?|向)(?P<who>[^，,]{{2,60}}?)(?:[，,]|给予|按|予以|分别|每年|$)")
GIVEN_TO_RE = re.compile(  # 给予所在县级市（区）最高300万元奖励: the recipient after 给予
    r"给予(?P<who>[^，,。；\d]{2,30}?)"
    r"(?:每年|一次性|最高|不超过|按|[\d一二三四五六七八九十百千]+(?:万|亿|千)?元|奖励|补贴|补助|资助|奖补|支持|$)"
)


def _beneficiary(s: str, upto: int) -> str | None:
    head = s[:upto]
    found = list(BENEFICIARY_RE.finditer(head))
    m = found[-1] if found else None  # the recipient named last before the amount
    if m:
        return m.group("who")
    m = re.search(rf"(?:^{HEADING_LABEL}|[，,])(?:支持|鼓励)(?P<who>[^，,]{{2,40}}?)(?:[，,]|开展|建设|参与)", head)
    return m.group("who") if m else None


def _class_in(phrase: str, *, skip_givers: bool = False) -> str | None:
    """The class of the keyword written last in ``phrase`` (the head noun), or None."""
    found = None
    for m in CLASS_RE.finditer(phrase):
        if re.match(r"(?:机构|公司)?(?:发放|开展|提供|承保|办理|承担)的", phrase[m.end() :]) and m.lastgroup != "enterprise":
            return m.lastgroup  # 担保机构开展的担保业务: the one whose business is paid for
        if NOT_RECIPIENT_BEFORE_RE.search(phrase[max(0, m.start() - 2) : m.start()]):
            continue  # 向银行申请的贷款: the bank is not the recipient
        rest = phrase[m.end() :]
        if m.lastgroup == "financial_institution" and re.match(r"贷款|信贷|保险", rest) and not re.match(r"贷款公司", rest):
            continue  # 银行贷款: a kind of loan
        if re.match(r"(?:资助|支持|补助|补贴|奖励|经费|资金)", rest):
            continue  # 项目资助: a kind of grant, not a recipient
        if skip_givers and GIVER_AFTER_RE.match(rest):
            continue  # 市、县级市(区)联动给予: the payer
        found = m.lastgroup
    if found == "enterprise" and re.search(r"集聚区|先导区|示范区", phrase) and not re.search(r"企业|公司|项目|主体", phrase):
        return "government"  # 产业集聚区、先导区、示范基地: places, whose government is paid
    if found == "organisation" and re.search(r"企业[、和及与]|[、和及与](?:各类)?企业|企事业单位", phrase):
        return "enterprise"  # 各类企业、高等院校、科研院所: firms are among the recipients
    return found


def _beneficiary_class(s: str, upto: int, who: str | None) -> str:
    head = s[:upto]
    each = list(re.finditer(rf"每{EACH_VERB}", head))
    if each:  # 企业每招用1名高校毕业生，给予1000元: the one who hires is paid per hire
        cls = _class_in(head[: each[-1].start()][-30:])
        if cls:
            return cls
    window = s[max(0, upto - 40) : max(_clause_end(s, upto), upto + 12)]
    given = GIVEN_TO_RE.search(window)
    if given and re.match(r"(?:资助|补贴|补助|奖励|支持|经费|资金)", window[given.end("who") :]) and _class_in(given.group("who")) == "enterprise":
        given = None  # 给予项目资助: a kind of grant, not its recipient (给予各市（区）政府奖励 still names one)
    for phrase in ([given.group("who")] if given else []) + ([who] if who else []):
        cls = _class_in(phrase)
        if cls:
            return cls
    cls = _class_in(head, skip_givers=True)
    if cls and cls != "enterprise":
        # a class word outside the recipient phrase counts only when no phrase was found
        if who is None:
            return cls
    if RISK_COMP_RE.search(s):
        return "financial_institution"
    return "enterprise"


def _scope(s: str) -> str | None:
    for word, scope in SCOPE_WORDS:
        if word in s:
            return scope
    return None


@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    tag: DepartmentTag | None
    benefits: list[Benefit] = field(default_factory=list)
    cap_only: list[_Mention] = field(default_factory=list)  # caps stated on their own (…最高奖励额度分别为A、B、C)
    cap_scope: str | None = None
    duration_only: tuple[int, bool] | None = None  # 补贴期限为3年 on its own


def extract_benefits(line: RuleLine, doc_id: str) -> list[Benefit]:
    """Benefits stated in one line of rule text."""
    text = line.text
    tags = find_tags(text, place=line.doc.metadata.jurisdiction)
    sentences: list[_Sentence] = []
    inherited = _grants_listed_below(line)
    for s0, s1 in _split_at_tags(line.sentences(), tags):
        s = text[s0:s1]
        if any(t.start <= s0 and s1 <= t.end for t in tags):
            continue  # the sentence is a responsibility tag
        sent = _Sentence(s0, s1, s, _tag_after(tags, s1))
        if GRANT_RE.search(s) or _years(s) is not None:
            _from_sentence(line, doc_id, sent)
        elif inherited and find_rates(s) and re.search(r"按|给予", s):
            _from_sentence(line, doc_id, sent, inherited=True)
        sentences.append(sent)
    _complete_across_sentences(line, doc_id, sentences)
    untagged = [b for sent in sentences if sent.tag is None for b in sent.benefits]
    if untagged:
        tag = _tag_on_next_line(line)
        if tag is not None:
            for b in untagged:
                b.departments, b.lead_departments = list(tag.all), list(tag.lead)
    return [b for sent in sentences for b in sent.benefits]


def _tag_on_next_line(line: RuleLine) -> DepartmentTag | None:
    """A responsibility tag standing alone on the next non-blank line closes this line's clause."""
    n = line.node.end_line if line.node.end_line == line.line else line.line
    last = len(line.src.line_starts)
    for k in range(n + 1, min(n + 3, last) + 1):
        text = clean(line.src.line(k)).strip()
        if not text:
            continue
        tags = find_tags(text, place=line.doc.metadata.jurisdiction)
        return tags[0] if len(tags) == 1 and tags[0].start == 0 and tags[0].end >= len(text) else None
    return None


def _grants_listed_below(line: RuleLine) -> bool:
    """The heading above this item announces a list of rates or amounts (…具体支持标准为：)."""
    if not line.path:
        return False
    parent = line.path[-1]
    head = line.src.text[parent.start : line.src.line_span(parent.start_line)[1]].rstrip()
    return bool(re.search(r"[:：]$", head)) and bool(re.search(r"(?:支持|奖励|补贴|补助|资助|奖补)(?:标准|比例|金额)", head))


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


def _mentions(s: str, inherited: bool = False) -> list[_Mention]:
    grant_match = GRANT_RE.search(s)
    first_grant = grant_match.start() if grant_match else (0 if inherited else None)
    mentions: list[_Mention] = []
    for m in find_money(s, implied_yuan=True):
        if m.currency != "CNY":
            continue
        per_unit, unit_period = _unit_after(s, m.end)
        if per_unit is None and unit_period is None:
            per_unit, unit_period = _unit_before(s, m.start)
        step = STEP_UNITS_BEFORE_RE.search(s[max(0, m.start - 20) : m.start]) if per_unit is None else None
        role = _classify_money(s, m, first_grant, per_unit or unit_period or step)
        x = _Mention(m.start, m.end, role, money=m, per_unit=per_unit, unit_period=unit_period)
        if step and x.role == "grant":
            x.step_unit = step.group("n") + step.group("u")
        times = re.search(r"(?:不超过|不高于|最高)(?P<q>[^，,。；\d]{1,12}?)[*×]$", s[max(0, m.start - 20) : m.start])
        if times:  # 不超过住宿间夜数*150元: a price per unit of a quantity, as a cap
            x.formula = True
            x.role, x.per_unit = "cap", re.sub(r"^(?:总额|金额|补助|补贴|奖补|奖励)+", "", times.group("q")) or None
        if x.role in ("cap", "cumulative") and YEAR_CAP_BEFORE_RE.search(s[max(0, m.start - 14) : m.start]):
            x.year_cap = True
        mentions.append(x)
    for r in find_rates(s):
        mentions.append(_Mention(r.start, r.end, _classify_rate(s, r, first_grant is not None), rate=r))
    for m in FULL_AMOUNT_RE.finditer(s):  # 给予全额补贴: a rate of 100%, written in words
        if not NOT_A_GRANT_RE.search(_clause_around(s, m.start(), m.end())):
            full = Rate(m.start(), m.end(), Decimal(1), "%", m.group(0))
            mentions.append(_Mention(m.start(), m.end(), "grant", rate=full))
    mentions.sort(key=lambda x: x.start)
    # 第一年每月1200元、第二年每月1000元、第三年每月700元标准给予: a list ending in a grant is all grants
    for a, b in reversed(list(zip(mentions, mentions[1:]))):
        if a.money is not None and b.money is not None and a.role == "threshold" and b.role == "grant":
            joined = re.fullmatch(r"、[^，,。；、]{0,12}", s[a.end : b.start])
            if joined and not THRESHOLD_AFTER_RE.match(s[a.end : a.end + 6]):
                a.role = "grant"
    return mentions


TIER_BASE_RE = re.compile(r"[%％]、(?P<base>[^，,。；、%\d]{2,30}?(?:额|费|费用|金额|成本|投入|投资|收入|租金|贡献))的?$")


def _rate_base(s: str, x: _Mention) -> str | None:
    own = TIER_BASE_RE.search(s[max(0, x.start - 34) : x.start])
    if own:  # …金额的10%、区政府（管委会）实际补助企业金额的30%: each tier names its own base
        return own.group("base")
    bm = RATE_BASE_RE.search(s[: x.start])
    base = bm.group("base") if bm else None
    if base and re.search(r"[\d%％]", base):
        base = None  # 分别给予12%、15%: the run's own numbers, not a base
    if base is None:
        found = list(RATE_BASE_EARLIER_RE.finditer(s[: x.start]))
        if found:
            base = found[-1].group("base")
    if "上浮" in s[max(0, x.start - 4) : x.start]:
        base = base + "（上浮）" if base else "支持金额（上浮）"
    else:
        up = UPLIFT_BEFORE_RE.search(s[max(0, x.start - 12) : x.start])
        if up:  # 年度奖励资金提高10%
            base = re.sub(r"(?:提高|增加)$", "", up.group(0)) + "（上浮）"
    return base


def _from_sentence(line: RuleLine, doc_id: str, sent: _Sentence, inherited: bool = False) -> None:
    s = sent.text
    mentions = _mentions(s, inherited)
    cumulatives = [x for x in mentions if x.role == "cumulative" and x.money]
    step_base = next((x.money.yuan for x in mentions if x.role == "step_base" and x.money), None)
    durations = _durations(s)
    duration = (durations[0][1], durations[0][2]) if durations else None

    grants = [x for x in mentions if x.role in ("grant", "cap", "floor")]
    records: list[_Rec] = []
    for x in grants:
        if x.rate is not None:
            kind = "interest" if x.rate.unit == "个百分点" else "rate"
            rec = _Rec(kind, x, x, rate=x.rate, base=_rate_base(s, x))
            opening = s[max(s.rfind("对", 0, x.start), 0) : x.start]  # the clause that names what is paid for
            on_interest = re.search(r"利息|利率|LPR", (rec.base or "") + opening)
            if kind == "rate" and ("贴息" in _clause_around(s, x.start, x.end) or on_interest):
                rec.kind = "interest"  # 按贷款利率的50%给予贴息, 以…贷款利率为基准贴息40%
            rec.rate_is_cap = bool(RATE_CAP_BEFORE_RE.search(_clause_before(s, x.start))) or bool(
                re.match(r"^(?:以内|封顶)", s[x.end : x.end + 2])
            )
            records.append(rec)
            continue
        if x.money is None:
            continue
        kind = "fixed"
        if x.step_unit is not None:
            records.append(_Rec("step", x, x, money=x, base="每" + x.step_unit))
            continue
        if step_base is not None and STEP_GRANT_BEFORE_RE.search(s[: x.start]):
            kind = "step"
        records.append(_Rec(kind, x, x, money=x, floor=x.role == "floor"))

    _mark_tiers(s, records)
    records = _assign_caps(s, records)
    _label_tiers(s, records)
    _mark_phases(s, records, line.text[: sent.start])

    # caps on their own: …最高奖励额度分别为A、B、C completes the rates of the sentence before
    all_caps = all(
        r.kind == "fixed" and r.money is not None and (r.money.role == "cap" or r.tier_capped) for r in records
    )
    if records and all_caps:
        if not re.search(r"给予|予以|(?:^|[，,])对", s) and not _beneficiary(s, len(s)):
            sent.cap_only = [r.money for r in records if r.money is not None]
            sent.cap_scope = _scope(s)
    # grants without a number, clause by clause (a clause opens with 对…)
    unknowns = _unknown_clauses(s, mentions)
    if not records and not unknowns and duration is not None and not re.search(r"给予|予以|(?:^|[，,])对", s):
        sent.duration_only = duration  # 补贴期限为3年 on its own
    records = sorted(records + unknowns, key=lambda r: (r.first.start if r.first else r.span[0] if r.span else 0))

    sent.benefits = _to_benefits(line, doc_id, sent, records, cumulatives, step_base, durations)


def _assign_caps(s: str, records: list[_Rec]) -> list[_Rec]:
    """A rate (or a per-unit amount) takes the 最高/不超过 amounts written after it as its cap.

    One cap after a tier list caps every tier; a 分别 list of as many caps pairs with the tiers.
    """
    consumed: set[int] = set()
    i = 0
    while i < len(records):
        rec = records[i]
        per_unit = (
            rec.kind == "fixed"
            and rec.money is not None
            and not rec.money.formula
            and (rec.money.per_unit is not None or rec.money.unit_period == "per_month")
        )
        takes_cap = rec.kind in ("rate", "interest", "step") or per_unit
        if not takes_cap:
            i += 1
            continue
        group = [rec]  # this record and its tier siblings
        while rec.tiers and i + len(group) < len(records):
            nxt = records[i + len(group)]
            if nxt.tiers == rec.tiers and nxt.tier == group[-1].tier + 1:  # type: ignore[operator]
                group.append(nxt)
            else:
                break
        caps: list[int] = []
        k = i + len(group)
        while k < len(records):
            nxt = records[k]
            if nxt.kind in ("rate", "interest") or nxt.span is not None:
                break
            is_cap = (
                nxt.kind == "fixed"
                and nxt.money is not None
                and (nxt.money.role == "cap" or nxt.tier_capped)
                and (nxt.money.per_unit is None or not per_unit)  # a rate may be capped per unit (最高30元/平方米/月)
                and (nxt.money.unit_period != "per_month" or not per_unit)
            )
            if caps:
                between = s[records[caps[-1]].last.end : nxt.first.start]
                if not is_cap or not re.fullmatch(r"[、和及](?:最高)?", between):
                    break
                caps.append(k)
            elif is_cap:
                between = s[group[-1].last.end : nxt.first.start]
                if re.search(r"[，,]对", between):
                    break
                caps.append(k)
            k += 1
        # 最高20万元，每家企业每年不超过100万元: a yearly cap after the per-grant cap
        if caps and k < len(records) and len(caps) == 1 and records[caps[0]].money.year_cap is False:
            nxt = records[k]
            if nxt.kind == "fixed" and nxt.money is not None and nxt.money.role == "cap" and nxt.money.year_cap:
                if not re.search(r"[，,]对|给予", s[records[caps[0]].last.end : nxt.first.start]):
                    for g in group:
                        g.year_cap = nxt.money
                    consumed.add(k)
        if caps and (len(caps) == 1 or len(caps) == len(group)):
            if any(g.rate_is_cap for g in group):
                for g in group:
                    g.rate_is_cap = True  # 分别按照不超过…100%、70%、50%: every tier is "up to"
            for n, g in enumerate(group):
                cap = records[caps[0] if len(caps) == 1 else caps[n]]
                g.cap = cap.money
                if cap.money.end > g.last.end:
                    g.last = cap.money
            consumed.update(caps)
        i += len(group)
    return [r for k, r in enumerate(records) if k not in consumed]


def _unknown_clauses(s: str, mentions: list[_Mention]) -> list[_Rec]:
    """Clauses (each opening with 对…) that grant money without stating how much."""
    cuts = [0] + [m.start() + 1 for m in re.finditer(r"[，,](?=对|向)", s)] + [len(s) + 1]
    out: list[_Rec] = []
    for a, b in zip(cuts, cuts[1:]):
        seg = s[a : b - 1] if b <= len(s) else s[a:]
        seg_end = a + len(seg)
        if any(a <= x.start < seg_end and x.role in ("grant", "cap", "floor", "cumulative", "schedule") for x in mentions):
            continue
        reason = next((why for rx, why in UNKNOWN_PATTERNS if rx.search(seg)), None)
        grant = UNKNOWN_GRANT_RE.search(seg)
        if reason is None and grant is None:
            continue
        if reason in (None, "一定比例", "适当", "定额") and grant is None and not re.search(r"奖励|补贴|补助|资助|奖补|扶持|支持", seg):
            continue
        if NOT_A_GRANT_RE.search(seg) and reason != "一事一议":
            continue
        if reason == "按相关政策" and not re.search(r"奖励|补贴|补助|资助|奖补|扶持|贴息|予以支持|给予支持|兑付", seg):
            continue  # 按相关规定提供安居保障: a pointer to other rules, but no money
        if reason is None and re.search(r"(?:依据|按照|根据)本(?:意见|措施|办法|政策|通知|方案|细则)(?:相关|有关)?(?:条款|规定)", seg):
            continue  # 依据本意见相关条款给予财政补助: who pays this document's own benefits, not a new one
        if reason is None and re.search(r"(?:鼓励|引导|推动|支持)[^，。；]{0,30}(?:银行|金融机构|保险|担保)[^，。；]{0,20}(?:给予|提供)", seg):
            continue  # 鼓励银行给予贷款支持: a target, not a grant
        out.append(_Rec("unknown", None, None, reason=reason or "unspecified", span=(a, seg_end)))
    return out


def _to_benefits(
    line: RuleLine,
    doc_id: str,
    sent: _Sentence,
    records: list[_Rec],
    cumulatives: list[_Mention],
    step_base: int | None,
    durations: list[tuple[int, int, bool]],
) -> list[Benefit]:
    s, offset, tag = sent.text, sent.start, sent.tag
    out: list[Benefit] = []
    prev_start = prev_end = 0
    for k, rec in enumerate(records):
        if rec.span is not None:  # an unknown amount: its own clause
            q_start, q_end = rec.span
            while q_start < q_end and s[q_start] in "，, ":
                q_start += 1
            region = clause = s[q_start:q_end]
            region_start = q_start
            g = UNKNOWN_GRANT_RE.search(clause)
            upto = q_start + g.start() + 2 if g else q_end
        else:
            last = rec.last
            limit = next((r.span[0] for r in records[k + 1 :] if r.span is not None and r.span[0] > last.end), len(s))
            q_end = _clause_end(s, last.end)
            if all(r.span is not None for r in records[k + 1 :]):
                q_end = limit  # the last amount: its quote runs to the end of the sentence
            q_end = min(q_end, limit)
            while q_end > last.end and s[q_end - 1] in "，,":
                q_end -= 1
            first_pos = rec.first.start
            if k and first_pos < prev_end:  # named inside the previous quote (…3000万元项目支持和最高200万元购房补贴)
                q_start, q_end = prev_start, max(q_end, prev_end)
            else:
                q_start = _quote_start(s, first_pos, prev_end)
            region_start = prev_end if q_start >= prev_end else prev_start
            prev_start = q_start
            if rec.tier is None or rec.tier == rec.tiers:
                prev_end = q_end
            clause = s[q_start:q_end]
            region = s[region_start:q_end]
            upto = rec.first.start
        who = _beneficiary(s, upto)
        period = None
        m0 = rec.money
        run_start = rec.first.start if rec.first else 0
        if rec.tiers and rec.tier and rec.tier > 1:  # the words before the first tier speak for the whole list
            run_start = next((r.first.start for r in reversed(records[:k]) if r.tier == 1 and r.first), run_start)
        one_off_zone = s[max(0, run_start - 12) : q_end] if (rec.tiers and rec.first) else region
        if m0 is not None and m0.unit_period:
            period = m0.unit_period
        elif ONE_OFF_RE.search(one_off_zone):
            period = "one_off"
        elif EVERY_MONTH_RE.search(region) and (m0 is None or m0.per_unit):
            period = "per_month"
        elif EVERY_YEAR_RE.search(s[region_start : _clause_start(s, rec.year_cap.start)] if rec.year_cap else region):
            period = "per_year"
        # duration and cumulative cap: the first written in this benefit's own grant (not after a new 对…)
        at = rec.first.start if rec.first else (rec.span[0] if rec.span else 0)
        mine = [(n, y) for p, n, y in durations if _same_grant(s, at, p)]
        years, yearly = mine[0] if mine else (None, False)
        if rec.kind == "interest" and not re.search(r"每年|连续", s):
            yearly = False  # 贴息期限最长不超过1年: the term of the loan, not a yearly payment
        cum = next((c for c in cumulatives if _same_grant(s, at, c.start)), None)
        cumulative = cum.money.yuan if cum else None
        if rec.phase_years is not None or rec.first_year is not None:
            years, yearly = rec.phase_years, True
        if rec.cap is not None and rec.cap.year_cap and period is None:
            period = "per_year"
        if years is not None and yearly and period is None:
            period = "per_year"
        benefit = Benefit(
            **line.cite(doc_id, offset + q_start, offset + q_end),
            kind=rec.kind,
            beneficiary=who,
            beneficiary_class=_beneficiary_class(s, upto, who),
            departments=list(tag.all) if tag else [],
            lead_departments=list(tag.lead) if tag else [],
            period=period,
            max_years=years,
            first_year=rec.first_year,
            cap_total_yuan=cumulative,
            cap_scope=_scope(clause),
            tier=rec.tier,
            tiers=rec.tiers,
            tier_label=rec.tier_label,
        )
        if rec.kind in ("rate", "interest"):
            r = rec.rate
            assert r is not None
            benefit.rate = float(r.rate)
            benefit.rate_max = float(r.rate_max) if r.rate_max is not None else None
            benefit.rate_is_cap = rec.rate_is_cap
            benefit.base = rec.base
            if rec.cap is not None and rec.cap.money is not None:
                benefit.amount_yuan = rec.cap.money.yuan
                benefit.amount_is_cap = True
                if rec.cap.per_unit or rec.cap.unit_period:  # 按租金的50%，给予最高30元/平方米/月
                    benefit.per_unit = rec.cap.per_unit
                    benefit.period = rec.cap.unit_period or benefit.period
                elif rec.cap.year_cap or period == "per_year":
                    benefit.cap_per_year_yuan = rec.cap.money.yuan
        elif rec.kind in ("fixed", "step"):
            x = rec.money
            assert x is not None and x.money is not None
            if rec.floor:
                benefit.floor_yuan = x.money.yuan
            else:
                benefit.amount_yuan = x.money.yuan
                benefit.amount_is_cap = x.role == "cap" or "最高" in s[max(0, x.start - 8) : x.start] or rec.tier_capped
            benefit.per_unit = x.per_unit
            if rec.cap is not None and rec.cap.money is not None:
                if rec.cap.year_cap or period == "per_year":
                    benefit.cap_per_year_yuan = rec.cap.money.yuan
                else:
                    benefit.cap_yuan = rec.cap.money.yuan
            if rec.kind == "step" and rec.base:
                benefit.base = rec.base  # 每2000平方米: a step of a quantity, not of yuan
            elif rec.kind == "step":
                benefit.step_yuan = step_base
                benefit.base = "每增加" + (f"{step_base}元" if step_base else "")
        else:
            benefit.unknown_reason = rec.reason
        if cum is not None and cum.year_cap and rec.kind != "unknown" and benefit.cap_per_year_yuan is None:
            benefit.cap_per_year_yuan = cumulative  # 同一企业每年累计最高1000万元: a yearly cap as well
        if rec.year_cap is not None and rec.year_cap.money is not None:
            benefit.cap_per_year_yuan = rec.year_cap.money.yuan
        out.append(benefit)
    return out


TIER_JOIN_RE = re.compile(r"(?:/[项个家台套])?[、和及/／](?:最高)?|(?:/[项个家台套])?、[^，。；]{0,14}?(?:最高)?")


def _mark_tiers(s: str, records: list[_Rec]) -> None:
    run: list[_Rec] = []

    def flush() -> None:
        if len(run) > 1:
            capped = any(r.money is not None and r.money.role == "cap" for r in run)
            for k, r in enumerate(run, 1):
                r.tier, r.tiers = k, len(run)
                r.tier_capped = capped  # 最高300万元、100万元: every tier is "up to"
        run.clear()

    for rec in records:
        if run and rec.kind == run[-1].kind and rec.first is not None:
            between = s[run[-1].last.end : rec.first.start]
            if TIER_JOIN_RE.fullmatch(between) and "给予" not in between:
                run.append(rec)
                continue
        flush()
        run.append(rec)
    flush()


LABEL_TRIM_RE = re.compile(
    r"^(?:[、和及与或，,]|其中|分别|对于?|按照?|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、．.])+"
    r"|(?:分别|给予|予以|奖励|补贴|补助|资助|奖补|支持|按照?|最高|不超过|的|为|比例|每月|每年)+$"
)


def _label_tiers(s: str, records: list[_Rec]) -> None:
    """``tier_label``: what distinguishes each tier (先导产业 / 国家级 / 50人和1000万元)."""
    runs: list[list[_Rec]] = []
    for r in records:
        if r.tier == 1:
            runs.append([r])
        elif r.tier and runs and runs[-1][-1].tier == r.tier - 1:
            runs[-1].append(r)
    for run in runs:
        labels = _interleaved_labels(s, run) or _level_labels(s, run) or _list_labels(s, run)
        if labels:
            for r, lab in zip(run, labels):
                r.tier_label = lab


def _interleaved_labels(s: str, run: list[_Rec]) -> list[str] | None:
    """先导产业奖励12%、高新技术产业奖励10%、其他产业奖励6%."""
    labels = []
    for k, r in enumerate(run):
        if k == 0:
            head = s[: r.first.start]
            a = max(head.rfind("，"), head.rfind(","), head.rfind("："), head.rfind(":")) + 1
            seg = head[a:]
        else:
            seg = s[run[k - 1].last.end : r.first.start]
        lab = LABEL_TRIM_RE.sub("", seg.strip())
        lab = LABEL_TRIM_RE.sub("", lab)
        if not lab or len(lab) > 16 or re.search(r"给予|[\d%]", lab):
            return None
        labels.append(lab)
    return labels


def _level_labels(s: str, run: list[_Rec]) -> list[str] | None:
    """国家级、省级…分别给予A、B → 国家级 / 省级."""
    head = s[: run[0].first.start]
    lists = [m for m in LEVEL_LIST_RE.finditer(head) if "级" in m.group(0)]
    for m in reversed(lists):
        items = re.split(r"[、和及与或]", m.group(0))
        if len(items) == len(run):
            return [it if it.endswith("级") else it + "级" for it in items]
    return None


def _list_labels(s: str, run: list[_Rec]) -> list[str] | None:
    """达到50人和1000万元、100人和2000万元的软件企业 → 50人和1000万元 / 100人和2000万元."""
    head = s[: run[0].first.start]
    for m in reversed(list(re.finditer(r"[^，,；;：:（()）]+", head))):
        part = m.group(0)
        items = part.split("、")
        if len(items) != len(run):
            continue
        cut = list(LIST_BOUNDARY_RE.finditer(items[0]))
        first = items[0][cut[-1].end() :] if cut else items[0]
        last = items[-1]
        d = last.find("的")
        if d > 0:
            last = last[:d]
        elif first and first[-1] in last:
            last = last[: last.index(first[-1]) + 1] if len(last) > len(first) + 4 else last
        labels = [first, *items[1:-1], last]
        labels = [LABEL_TRIM_RE.sub("", x.strip()) for x in labels]
        if all(0 < len(x) <= 30 and not re.match(r"[万亿千元%]", x) for x in labels):
            return labels
        return None
    return None


PHASE_GRANT_AFTER_RE = re.compile(r"^[，,]?[^，,。；]{0,10}?(?:按|给予|每年|补|奖|享受|最高|分别|免|减半|全额)|^(?:每月|每年|按)?[\d一二三四五六七八九十]")
PHASE_CONDITION_AFTER_RE = re.compile(r"^[^，,。；]{0,10}?(?:累计|纳税|营收|营业收入|销售|超过|达到|平均|增长)")


def _phases(s: str) -> list[tuple[int, int, int | None]]:
    """(position, first_year, years) of each phase written in ``s``: 前3年 → 1, 3; then 后2年 → 4, 2;
    第4年 → 4, 1; 第4-5年 → 4, 2. Only phases that introduce a grant (前3年按…给予), not conditions."""
    out: list[tuple[int, int, int]] = []
    end_prev = 0
    for m in PHASE_RE.finditer(s):
        after = s[m.end() :]
        if not PHASE_GRANT_AFTER_RE.match(after) or PHASE_CONDITION_AFTER_RE.match(after):
            continue
        if m.group("lead"):
            n = _cn_int(m.group("n"))
            if n is None:
                continue
            first = 1 if m.group("lead") in ("前", "首") else end_prev + 1
            if first == 1 and m.group("lead") == "后":
                continue  # 后2年 with no phase before it
            years = n
        else:
            a = _cn_int(m.group("a"))
            b = _cn_int(m.group("b")) if m.group("b") else a
            if a is None or b is None or b < a:
                continue
            first, years = a, (None if m.group("on") else b - a + 1)
        out.append((m.start(), first, years))
        end_prev = first + (years or 1) - 1
    return out


PHASE_LIST_RE = re.compile(
    rf"第(?P<a>{NUMW})(?P<rest>(?:[、和及]第?{NUMW})+)(?:个)?(?:完整的?)?(?:会计|自然|纳税)?年度?"
)


def _mark_phase_lists(s: str, records: list[_Rec], before: str = "") -> bool:
    """落户后第一、二、三个完整会计年度…分别给予100%、50%、50%: one year each, not alternatives.

    A later sentence of the line that pays 在对应年度 takes the list of the sentence before it."""
    done = False
    found = [(m, m.end()) for m in PHASE_LIST_RE.finditer(s)]
    if not found and re.search(r"(?:对应|相应)(?:的)?年度", s):
        found = [(m, 0) for m in list(PHASE_LIST_RE.finditer(before))[-1:]]
    for m, after in found:
        years = [_cn_int(m.group("a"))] + [_cn_int(x) for x in re.findall(rf"{NUMW}", m.group("rest"))]
        if any(y is None for y in years):
            continue
        run = [r for r in records if r.tier and r.first is not None and r.first.start > after]
        run = [r for r in run if r.tiers == len(years)][: len(years)]
        if len(run) != len(years) or [r.tier for r in run] != list(range(1, len(years) + 1)):
            continue
        for r, y in zip(run, years):
            r.first_year, r.phase_years = y, 1
            r.tier = r.tiers = r.tier_label = None
        done = True
    return done


def _mark_phases(s: str, records: list[_Rec], before: str = "") -> None:
    """前3年…后2年: each benefit takes the phase written between the benefit before it and itself."""
    if _mark_phase_lists(s, records, before):
        return
    phases = _phases(s)
    if not phases:
        return
    several = len(phases) > 1
    prev = 0
    for r in records:
        if r.first is None:
            continue
        mine = [p for p in phases if prev <= p[0] < r.first.start]
        prev = r.first.start
        if not mine:
            continue
        _, first, years = mine[-1]
        r.phase_years = years
        r.first_year = first if several or first > 1 else None
        if r.tiers and r.tier_label and PHASE_RE.fullmatch(r.tier_label):
            r.tier = r.tiers = r.tier_label = None  # phases follow one another, they are not alternatives


def _complete_across_sentences(line: RuleLine, doc_id: str, sentences: list[_Sentence]) -> None:
    """Caps and durations written in a sentence of their own complete the benefits before them."""
    last_cap = 0
    for k, sent in enumerate(sentences):
        if re.match(HEADING_START, sent.text.strip()):
            last_cap = k  # a new item: caps written later do not reach back past its heading
        if sent.cap_only:
            # the open (uncapped) rates and per-unit amounts since the last sentence of caps
            earlier = [b for p in sentences[last_cap:k] for b in p.benefits]
            open_ = [
                b
                for b in earlier
                if (b.kind in ("rate", "interest") and b.amount_yuan is None)
                or (b.kind == "fixed" and b.per_unit and b.cap_per_year_yuan is None and b.cap_yuan is None)
            ]
            caps = sent.cap_only
            if any(c.per_unit for c in caps) and any(not c.per_unit for c in caps):
                caps = [c for c in caps if not c.per_unit]  # 不超过间夜数*150元，且不超过100万元: the amount cap
            if len(caps) > 1:  # 分别为A、B、C: pairs with the tier list just before
                open_ = open_[-len(caps) :] if len(open_) >= len(caps) else []
            if not open_ or not (len(caps) == 1 or len(caps) == len(open_)):
                continue
            last_cap = k + 1
            for n, b in enumerate(open_):
                cap = caps[0] if len(caps) == 1 else caps[n]
                assert cap.money is not None
                if b.kind == "fixed":
                    if cap.year_cap or b.period == "per_year":
                        b.cap_per_year_yuan = cap.money.yuan
                    else:
                        b.cap_yuan = cap.money.yuan
                else:
                    b.amount_yuan, b.amount_is_cap = cap.money.yuan, True
                    if cap.year_cap:
                        b.cap_per_year_yuan = cap.money.yuan
                        b.period = b.period or "per_year"
                b.cap_scope = b.cap_scope or sent.cap_scope
                _extend_quote(line, doc_id, b, sent.end)
            sent.benefits = []
        elif sent.duration_only is not None:
            earlier = [b for p in sentences[:k] for b in p.benefits]
            # the benefits since the last sentence that stated its own duration
            since = []
            for b in reversed(earlier):
                if b.max_years is not None:
                    break
                since.append(b)
            years, yearly = sent.duration_only
            for b in since:
                if b.kind == "unknown" or b.period == "one_off":
                    continue
                b.max_years = years
                if yearly:
                    b.period = b.period or "per_year"


def _extend_quote(line: RuleLine, doc_id: str, b: Benefit, end: int) -> None:
    """Stretch a benefit's quote to the end of a later sentence (normalised offset ``end``) of its line."""
    start_norm = next((i for i, o in enumerate(line.norm.offsets) if o >= b.start), None)
    if start_norm is None:
        return
    cited = line.cite(doc_id, start_norm, end)
    for key in ("end", "end_line", "quote"):
        setattr(b, key, cited[key])


def _clause_start(s: str, pos: int) -> int:
    return max(s.rfind("，", 0, pos), s.rfind(",", 0, pos)) + 1


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
