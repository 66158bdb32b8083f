"""Money and rate mentions: 3000万元, 1.5亿元, 二十万元, 5%, 3个百分点, 5‰, 10%～30%.

Parsing works on a normalised copy (full-width digits folded) and reports
spans in that copy; callers map them back to the original. Chinese numerals
go through cn2an. Nothing here raises on odd input: unparseable text is
simply not a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

CN_DIGITS = "零〇一二两三四五六七八九十百千"
NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|[{CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?)"
MONEY_RE = re.compile(rf"(?P<num>{NUM})(?P<unit>亿|千万|百万|十万|万|千)?(?P<cur>美元|元)")
RATE_RE = re.compile(
    rf"(?:百分之(?P<cn>{NUM})|(?P<num>{NUM})(?P<unit>%|％|‰|个百分点))"
)
RATE_RANGE_RE = re.compile(
    rf"(?P<lo>{NUM})(?P<u1>%|％)?\s*(?:～|~|〜|—|－|-|至|到)\s*(?P<hi>{NUM})(?P<u2>%|％)"
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
    currency: str  # CNY | USD
    text: str


@dataclass(frozen=True)
class Rate:
    start: int
    end: int
    rate: Decimal  # as a decimal: 5% → 0.05, 3个百分点 → 0.03, 5‰ → 0.005
    unit: str  # % | ‰ | 个百分点
    text: str
    rate_max: Decimal | None = None  # set for ranges 10%～30%


def find_money(text: str) -> list[Money]:
    out = []
    for m in MONEY_RE.finditer(text):
        n = parse_number(m.group("num"))
        if n is None:
            continue
        value = n * UNIT_FACTOR[m.group("unit")]
        cur = "USD" if m.group("cur") == "美元" else "CNY"
        yuan = int(value.to_integral_value()) if cur == "CNY" else None
        out.append(Money(m.start(), m.end(), yuan, value, cur, m.group(0)))
    return out


def _rate_value(n: Decimal, unit: str) -> Decimal:
    if unit == "‰":
        return n / 1000
    return n / 100


def find_rates(text: str) -> list[Rate]:
    """Rates and rate ranges; a range is one :class:`Rate` with ``rate_max``."""
    out: list[Rate] = []
    taken: list[tuple[int, int]] = []
    for m in RATE_RANGE_RE.finditer(text):
        lo, hi = parse_number(m.group("lo")), parse_number(m.group("hi"))
        if lo is None or hi is None or lo >= hi:
            continue
        out.append(Rate(m.start(), m.end(), lo / 100, "%", m.group(0), rate_max=hi / 100))
        taken.append((m.start(), m.end()))
    for m in RATE_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if m.group("cn") is not None:
            n, unit = parse_number(m.group("cn")), "%"
        else:
            n, unit = parse_number(m.group("num")), m.group("unit")
        if n is None:
            continue
        unit = "%" if unit == "％" else unit
        out.append(Rate(m.start(), m.end(), _rate_value(n, unit), unit, m.group(0)))
    return sorted(out, key=lambda r: r.start)
