"""Hypothesis tests of the amount and rate parser: mixed widths, 万/亿/千, Chinese numerals."""

from __future__ import annotations

import cn2an
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengce.corpus.text import clean
from zhengce.extract.amounts import find_money, find_rates

FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")


@given(st.text(max_size=200))
def test_parsers_never_crash_on_any_string(s):
    for m in find_money(s):
        assert m.start < m.end <= len(s)
    for r in find_rates(s):
        assert r.start < r.end <= len(s)


@given(st.integers(min_value=1, max_value=99_999), st.sampled_from([("万", 10_000), ("亿", 100_000_000), ("千", 1_000), ("", 1)]), st.data())
def test_money_in_mixed_width_digits(n, unit, data):
    digits = str(n)
    mask = data.draw(st.lists(st.booleans(), min_size=len(digits), max_size=len(digits)))
    mixed = "".join(d.translate(FULL) if full else d for d, full in zip(digits, mask))
    text = clean(f"给予{mixed}{unit[0]}元奖励")
    (m,) = find_money(text)
    assert m.yuan == n * unit[1]


@given(st.integers(min_value=1, max_value=9999), st.sampled_from([("万", 10_000), ("亿", 100_000_000)]))
def test_money_in_chinese_numerals(n, unit):
    words = cn2an.an2cn(n)
    (m,) = find_money(f"给予{words}{unit[0]}元")
    assert m.yuan == n * unit[1]


@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=9))
def test_decimal_amounts_and_rates(whole, frac):
    (m,) = find_money(f"{whole}.{frac}亿元")
    assert m.yuan == (whole * 10 + frac) * 10_000_000
    (r,) = find_rates(f"{whole}.{frac}%")
    assert abs(float(r.rate) - (whole + frac / 10) / 100) < 1e-12


@settings(max_examples=50)
@given(st.integers(min_value=1, max_value=49), st.integers(min_value=50, max_value=99))
def test_rate_ranges(lo, hi):
    (r,) = find_rates(f"按销售价格{lo}%～{hi}%给予奖励")
    assert (float(r.rate), float(r.rate_max)) == (lo / 100, hi / 100)
