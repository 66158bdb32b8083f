"""Money and rate mentions: 3000万元, 1.5亿元, 二十万元, 5%, 3个百分点, 5‰, 千分之一, 10%～30%.

Parsing works on a normalised copy of the text it is given (spaces inside
numbers dropped: 1 000万元, 100 万元; full-width digits folded; OCR's letter O
for zero read as 0: 5O万元; traditional characters simplified: 50萬元; line
breaks inside a sentence dropped: 50 万 / 元) and reports spans in the text it
was given, so callers can map them back to the original. Chinese numerals go
through cn2an. Nothing here raises on odd input: unparseable text is simply not
a mention.

Currencies other than yuan (1000万美元, 50万欧元) are Money with their own
currency and ``yuan`` None, never mistaken for a grant in yuan. Slash or 、 tiers
with one unit at the end (2万/5万/10万元) are one mention per tier, the unit
carried back to the tiers that omit it. ``find_money(..., implied_yuan=True)`` also
reads 万/亿 amounts written without 元 after a grant word (奖励50万, 最高不超过200万).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

from zhengce.corpus.text import is_normal, normalise

CN_DIGITS = "零〇一二两三四五六七八九十百千"
NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|[{CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?)"
UNIT_ALT = "亿|千万|百万|十万|万|千"
UNIT = f"(?:{UNIT_ALT})"
CURRENCY = {"元": "CNY", "美元": "USD", "欧元": "EUR", "港元": "HKD", "港币": "HKD", "日元": "JPY", "英镑": "GBP"}
CUR_ALT = "|".join(sorted(CURRENCY, key=len, reverse=True))
CUR = f"(?:{CUR_ALT})"
MONEY_RE = re.compile(rf"(?P<num>{NUM})(?P<unit>{UNIT_ALT})?(?P<cur>{CUR_ALT})")
# 2万/5万/10万元, 2万、5万、10万元: tiers sharing the unit written once at the end
MONEY_TIERS_RE = re.compile(rf"(?:{NUM}{UNIT}?[/／、])+{NUM}{UNIT}?{CUR}")
MONEY_PART_RE = re.compile(rf"(?P<num>{NUM})(?P<unit>{UNIT_ALT})?(?P<cur>{CUR_ALT})?")
# 给予每家50万、10万的一次性奖励, 最高不超过200万: 万/亿 amounts with 元 left out. Read only with
# ``implied_yuan``: after a grant or cap word in the same clause, and followed by punctuation, 的 or
# a grant noun, never by another unit (10万人, 5万平方米, 1万TEU, 千亿参数).
IMPLIED_RE = re.compile(
    rf"(?P<num>{NUM})(?P<unit>亿|千万|百万|十万|万)"
    r"(?=$|[、，,。；;）)]|的|(?:一次性)?(?:奖励|补贴|补助|资助|支持|扶持|奖补))"
)
IMPLIED_CONTEXT_RE = re.compile(
    r"(?:给予|奖励|补贴|补助|资助|扶持|奖补|最高|不超过|不高于|封顶|上限)[^，,。；;]{0,10}$"
)
RATE_RE = re.compile(
    rf"(?:百分之(?P<cn>{NUM})|千分之(?P<pm>{NUM})|万分之(?P<pt>{NUM})|(?P<num>{NUM})(?P<unit>%|％|‰|个百分点))"
)
RATE_RANGE_RE = re.compile(
    rf"(?P<lo>{NUM})(?P<u1>%|％|‰)?\s*(?:～|~|〜|—|－|-|至|到)\s*(?P<hi>{NUM})(?P<u2>%|％|‰)"
)
UNIT_FACTOR = {None: 1, "千": 1_000, "万": 10_000, "十万": 100_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 100_000_000}


def parse_number(token: str) -> Decimal | None:
    """A number written in Arabic or Chinese numerals, or None."""
    token = token.replace(",", "")
    if not token:
        return None
    try:
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            return Decimal(token)
        value = cn2an.cn2an(token, "smart")
        return Decimal(str(value))
    except (ValueError, KeyError, InvalidOperation, TypeError, IndexError, AttributeError):
        return None


@dataclass(frozen=True)
class Money:
    start: int
    end: int
    yuan: int | None  # integer yuan for 元 amounts
    value: Decimal
    currency: str  # CNY | USD | EUR | HKD | JPY | GBP
    text: str


@dataclass(frozen=True)
class Rate:
    start: int
    end: int
    rate: Decimal  # as a decimal: 5% → 0.05, 3个百分点 → 0.03, 5‰ / 千分之五 → 0.005
    unit: str  # % | ‰ | ‱ | 个百分点
    text: str
    rate_max: Decimal | None = None  # set for ranges 10%～30%


def _prepared(text: str) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """The normalised copy parsing reads, and a map from its spans to spans of ``text``."""
    if is_normal(text):
        return text, lambda s, e: (s, e)
    n = normalise(text, drop_newlines=True)
    if n.text == text:
        return text, lambda s, e: (s, e)
    return n.text, n.to_original


def _money(text: str, span: tuple[int, int], num: str, unit: str | None, cur: str) -> Money | None:
    n = parse_number(num)
    if n is None:
        return None
    value = n * UNIT_FACTOR[unit]
    currency = CURRENCY.get(cur, "CNY")
    yuan = int(value.to_integral_value()) if currency == "CNY" else None
    return Money(span[0], span[1], yuan, value, currency, text[span[0] : span[1]])


def find_money(text: str, *, implied_yuan: bool = False) -> list[Money]:
    """Money mentions in ``text``; spans index ``text`` itself.

    With ``implied_yuan``, 万/亿 amounts written without 元 after a grant word
    (奖励50万, 最高不超过200万) are yuan too.
    """
    norm, back = _prepared(text)
    out: list[Money] = []
    taken: list[tuple[int, int]] = []
    for t in MONEY_TIERS_RE.finditer(norm):
        parts = list(MONEY_PART_RE.finditer(t.group(0)))
        if len(parts) < 2 or parts[-1].group("cur") is None:
            continue
        last_unit, cur = parts[-1].group("unit"), parts[-1].group("cur")
        for p in parts:
            span = back(t.start() + p.start(), t.start() + p.end())
            m = _money(text, span, p.group("num"), p.group("unit") or last_unit, cur)
            if m is not None:
                out.append(m)
        taken.append((t.start(), t.end()))
    for m in MONEY_RE.finditer(norm):
        if any(s <= m.start() < e for s, e in taken):
            continue
        got = _money(text, back(m.start(), m.end()), m.group("num"), m.group("unit"), m.group("cur"))
        if got is not None:
            out.append(got)
        taken.append((m.start(), m.end()))
    if implied_yuan:
        prev_end = -1
        for m in IMPLIED_RE.finditer(norm):
            if any(s <= m.start() < e for s, e in taken):
                continue
            chained = prev_end >= 0 and norm[prev_end : m.start()] == "、"  # 50万、10万
            if not (chained or IMPLIED_CONTEXT_RE.search(norm[: m.start()])):
                continue
            got = _money(text, back(m.start(), m.end()), m.group("num"), m.group("unit"), "元")
            if got is not None:
                out.append(got)
                prev_end = m.end()
    return sorted(out, key=lambda x: x.start)


def _rate_value(n: Decimal, unit: str) -> Decimal:
    if unit == "‰":
        return n / 1000
    if unit == "‱":
        return n / 10000
    return n / 100


def find_rates(text: str) -> list[Rate]:
    """Rates and rate ranges; a range is one :class:`Rate` with ``rate_max``. Spans index ``text``."""
    norm, back = _prepared(text)
    out: list[Rate] = []
    taken: list[tuple[int, int]] = []
    for m in RATE_RANGE_RE.finditer(norm):
        lo, hi = parse_number(m.group("lo")), parse_number(m.group("hi"))
        if lo is None or hi is None or lo >= hi:
            continue
        unit = "‰" if m.group("u2") == "‰" else "%"
        if m.group("u1") and (m.group("u1") == "‰") != (unit == "‰"):
            continue  # 5%～8‰: not one range
        s, e = back(m.start(), m.end())
        out.append(Rate(s, e, _rate_value(lo, unit), unit, text[s:e], rate_max=_rate_value(hi, unit)))
        taken.append((m.start(), m.end()))
    for m in RATE_RE.finditer(norm):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if m.group("cn") is not None:
            n, unit = parse_number(m.group("cn")), "%"
        elif m.group("pm") is not None:
            n, unit = parse_number(m.group("pm")), "‰"  # 千分之一 = 1‰
        elif m.group("pt") is not None:
            n, unit = parse_number(m.group("pt")), "‱"  # 万分之五
        else:
            n, unit = parse_number(m.group("num")), m.group("unit")
        if n is None:
            continue
        unit = "%" if unit == "％" else unit
        s, e = back(m.start(), m.end())
        out.append(Rate(s, e, _rate_value(n, unit), unit, text[s:e]))
    return sorted(out, key=lambda r: r.start)
