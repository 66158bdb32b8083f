"""The generic peer baseline for benefit extraction (bench-only; needs `pip install -e '.[bench]'`).

Every money mention JioNLP's ``ner.extract_money`` finds, plus every percentage,
in sentences that grant something (给予/奖励/补贴/补助/支持/贴息), each taken as
one benefit on its line. No caps, periods, durations or departments.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from zhengce.corpus.parse import bundled_corpus

GRANT_RE = re.compile(r"给予|奖励|补贴|补助|支持|贴息")
PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")


def baseline_facts(corpus: Path | None = None) -> list[dict]:
    """Baseline benefits from every ``*.txt`` of ``corpus`` (default: the bundled corpus)."""
    import jionlp as jio  # bench-only extra

    out: list[dict] = []
    for path in sorted((corpus or bundled_corpus()).glob("*.txt")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            for sentence in re.split(r"[。；]", line):
                if not GRANT_RE.search(sentence):
                    continue
                quote = sentence.strip()[:120]
                base = {"file": path.name, "line": line_no, "quote": quote, "cap_total_yuan": None, "period": None,
                        "max_years": None, "departments": [], "fact_kind": "benefit"}  # fmt: skip
                for money in jio.ner.extract_money(sentence, with_parsing=True):
                    num = money.get("detail", {}).get("num")
                    if isinstance(num, list):  # a range: JioNLP gives [low, high]
                        num = num[-1]
                    try:
                        yuan = int(Decimal(str(num)))
                    except Exception:  # noqa: BLE001 - JioNLP may return odd values
                        continue
                    out.append({**base, "kind": "fixed", "amount_yuan": yuan, "rate": None})
                for m in PERCENT_RE.finditer(sentence):
                    out.append({**base, "kind": "rate", "amount_yuan": None, "rate": float(m.group(1)) / 100})
    return out
