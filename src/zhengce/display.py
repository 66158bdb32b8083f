"""How amounts read in Chinese, for the terminal and the web pages."""

from __future__ import annotations


def yuan(v: int | None, unknown: str = "金额未定") -> str:
    """12345678 → 1,234.57万元; 5000 → 5,000元; None → ``unknown``."""
    if v is None:
        return unknown
    if abs(v) >= 10_000:
        return f"{v / 10_000:,.2f}".rstrip("0").rstrip(".") + "万元"
    return f"{v:,}元"
