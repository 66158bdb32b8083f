"""A small expression language with two backends: polars (a whole registry) and Python (one row).

Rule forms are written once, in :mod:`zhengce.rules.compile`, as trees of these
nodes. The screen turns a tree into a ``polars.Expr`` and evaluates millions of
rows at once; the calculator evaluates the same tree on one row in plain
Python (polars costs about half a millisecond per expression even on one row,
which would make a single calculation take a second). Both backends share
polars' semantics: null is unknown, ``&``/``|`` follow Kleene logic, a ``when``
whose condition is null does not fire, min/max ignore nulls.

Each node implements ``polars()`` and ``value(row)``; the set is small on
purpose, and a property test checks the two backends agree node by node.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import polars as pl

Row = dict[str, Any]


class Node:
    __slots__ = ()

    def polars(self) -> pl.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    def value(self, row: Row, memo: dict[int, Any] | None = None) -> Any:
        """This node's value on one row; ``memo`` holds the values of :class:`Shared` subtrees."""
        return self._value(row, {} if memo is None else memo)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    # sugar ---------------------------------------------------------------------------------
    def __and__(self, other: Node) -> Node:
        return And((self, other))

    def __or__(self, other: Node) -> Node:
        return Or((self, other))

    def __invert__(self) -> Node:
        return Not(self)

    def is_null(self) -> Node:
        return IsNull(self)

    def is_not_null(self) -> Node:
        return Not(IsNull(self))

    def fill_null(self, v: Any) -> Node:
        return FillNull(self, v)

    def cmp(self, op: str, other: Any) -> Node:
        return Cmp(op, self, other if isinstance(other, Node) else Lit(other))


class Shared(Node):
    """A subtree used many times: on a frame it is computed once into column ``name`` (see
    ``Compiled.stages``) and read back; in Python the memo shares it."""

    __slots__ = ("name", "x")
    _count = 0

    def __init__(self, x: Node) -> None:
        Shared._count += 1
        self.name, self.x = f"_s{Shared._count}", x

    def polars(self) -> pl.Expr:
        return pl.col(self.name)

    def value(self, row: Row, memo: dict[int, Any] | None = None) -> Any:
        if memo is None:
            memo = {}
        key = id(self)
        if key not in memo:
            memo[key] = self.x.value(row, memo)
        return memo[key]

    _value = value


class Col(Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def polars(self) -> pl.Expr:
        return pl.col(self.name)

    def value(self, row: Row, memo: dict[int, Any] | None = None) -> Any:  # a leaf: no memo needed
        return row.get(self.name)

    _value = value


class Lit(Node):
    __slots__ = ("v", "dtype")

    def __init__(self, v: Any, dtype: Any = None) -> None:
        self.v, self.dtype = v, dtype

    def polars(self) -> pl.Expr:
        return pl.lit(self.v, dtype=self.dtype)

    def value(self, row: Row, memo: dict[int, Any] | None = None) -> Any:  # a leaf: no memo needed
        return self.v

    _value = value


TRUE, FALSE = Lit(True), Lit(False)
NULL_INT = Lit(None, pl.Int64)

_CMP = {
    ">=": ("__ge__", lambda a, b: a >= b),
    ">": ("__gt__", lambda a, b: a > b),
    "<=": ("__le__", lambda a, b: a <= b),
    "<": ("__lt__", lambda a, b: a < b),
    "==": ("__eq__", lambda a, b: a == b),
}


class Cmp(Node):
    __slots__ = ("op", "a", "b")

    def __init__(self, op: str, a: Node, b: Node) -> None:
        self.op, self.a, self.b = op, a, b

    def polars(self) -> pl.Expr:
        return getattr(self.a.polars(), _CMP[self.op][0])(self.b.polars())

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        a, b = self.a._value(row, memo), self.b._value(row, memo)
        return None if a is None or b is None else _CMP[self.op][1](a, b)


class And(Node):
    __slots__ = ("xs",)

    def __init__(self, xs: Sequence[Node]) -> None:
        self.xs = tuple(xs)

    def polars(self) -> pl.Expr:
        return pl.all_horizontal([x.polars() for x in self.xs]) if self.xs else pl.lit(True)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        unknown = False
        for x in self.xs:  # Kleene: false wins, so stop at the first
            v = x._value(row, memo)
            if v is False:
                return False
            if v is None:
                unknown = True
        return None if unknown else True


class Or(Node):
    __slots__ = ("xs",)

    def __init__(self, xs: Sequence[Node]) -> None:
        self.xs = tuple(xs)

    def polars(self) -> pl.Expr:
        return pl.any_horizontal([x.polars() for x in self.xs]) if self.xs else pl.lit(False)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        unknown = False
        for x in self.xs:  # Kleene: true wins, so stop at the first
            v = x._value(row, memo)
            if v is True:
                return True
            if v is None:
                unknown = True
        return None if unknown else False


class Not(Node):
    __slots__ = ("x",)

    def __init__(self, x: Node) -> None:
        self.x = x

    def polars(self) -> pl.Expr:
        return ~self.x.polars()

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        v = self.x._value(row, memo)
        return None if v is None else not v


class IsNull(Node):
    __slots__ = ("x",)

    def __init__(self, x: Node) -> None:
        self.x = x

    def polars(self) -> pl.Expr:
        return self.x.polars().is_null()

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        return self.x._value(row, memo) is None


class FillNull(Node):
    __slots__ = ("x", "v")

    def __init__(self, x: Node, v: Any) -> None:
        self.x, self.v = x, v

    def polars(self) -> pl.Expr:
        return self.x.polars().fill_null(self.v)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        v = self.x._value(row, memo)
        return self.v if v is None else v


class ListContains(Node):
    """A list column holds ``item`` (null when the list is unknown)."""

    __slots__ = ("col", "item")

    def __init__(self, col: str, item: str) -> None:
        self.col, self.item = col, item

    def polars(self) -> pl.Expr:
        return pl.col(self.col).list.contains(self.item)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        v = row.get(self.col)
        return None if v is None else self.item in v


class InPlace(Node):
    """The firm's location chain holds ``place`` (null when the location is unknown).

    On a frame this reads the precomputed column ``in@<place>`` (:func:`place_columns`): a list
    lookup per rule and per use would dominate the screen's time.
    """

    __slots__ = ("place",)

    def __init__(self, place: str) -> None:
        self.place = place

    def polars(self) -> pl.Expr:
        return pl.col(f"in@{self.place}")

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        chain = row.get("location_chain")
        return None if chain is None else self.place in chain


def place_columns(places: set[str]) -> list[pl.Expr]:
    """The ``in@<place>`` columns :class:`InPlace` reads, computed once per frame."""
    return [pl.col("location_chain").list.contains(p).alias(f"in@{p}") for p in sorted(places)]


class IsIn(Node):
    """A scalar column is one of ``values`` (false when null)."""

    __slots__ = ("col", "values")

    def __init__(self, col: str, values: Sequence[str]) -> None:
        self.col, self.values = col, tuple(values)

    def polars(self) -> pl.Expr:
        return pl.col(self.col).is_in(list(self.values)).fill_null(False)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        v = row.get(self.col)
        return v is not None and v in self.values


class When(Node):
    """The value of the first case whose condition is true (null counts as false), else ``otherwise``."""

    __slots__ = ("cases", "otherwise")

    def __init__(self, cases: Sequence[tuple[Node, Node]], otherwise: Node = NULL_INT) -> None:
        self.cases, self.otherwise = tuple(cases), otherwise

    def polars(self) -> pl.Expr:
        cond, val = self.cases[0]
        e = pl.when(cond.polars()).then(val.polars())
        for cond, val in self.cases[1:]:
            e = e.when(cond.polars()).then(val.polars())
        return e.otherwise(self.otherwise.polars())

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        for cond, val in self.cases:
            if cond._value(row, memo) is True:
                return val._value(row, memo)
        return self.otherwise._value(row, memo)


class MinH(Node):
    __slots__ = ("xs",)

    def __init__(self, xs: Sequence[Node]) -> None:
        self.xs = tuple(xs)

    def polars(self) -> pl.Expr:
        return pl.min_horizontal([x.polars() for x in self.xs])

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        vals = [v for v in (x._value(row, memo) for x in self.xs) if v is not None]
        return min(vals) if vals else None


class MaxH(Node):
    __slots__ = ("xs",)

    def __init__(self, xs: Sequence[Node]) -> None:
        self.xs = tuple(xs)

    def polars(self) -> pl.Expr:
        return pl.max_horizontal([x.polars() for x in self.xs])

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        vals = [v for v in (x._value(row, memo) for x in self.xs) if v is not None]
        return max(vals) if vals else None


class Coalesce(Node):
    __slots__ = ("xs",)

    def __init__(self, xs: Sequence[Node]) -> None:
        self.xs = tuple(xs)

    def polars(self) -> pl.Expr:
        return pl.coalesce([x.polars() for x in self.xs])

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        return next((v for v in (x._value(row, memo) for x in self.xs) if v is not None), None)


class FloorMul(Node):
    """``floor(x × k)`` as a 64-bit integer (money in yuan), null when x is null."""

    __slots__ = ("x", "k")

    def __init__(self, x: Node, k: float) -> None:
        self.x, self.k = x, k

    def polars(self) -> pl.Expr:
        return (self.x.polars() * self.k).floor().cast(pl.Int64)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        v = self.x._value(row, memo)
        return None if v is None else int(math.floor(v * self.k))


class Steps(Node):
    """``floor((x − start) / step)`` full steps above ``start`` (0 at or below it), null when x is null."""

    __slots__ = ("x", "start", "step")

    def __init__(self, x: Node, start: float, step: float) -> None:
        self.x, self.start, self.step = x, start, step

    def polars(self) -> pl.Expr:
        x = self.x.polars()
        return pl.when(x > self.start).then(((x - self.start) / self.step).floor()).otherwise(0.0).cast(pl.Float64)

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        v = self.x._value(row, memo)
        if v is None:
            return None
        return float(math.floor((v - self.start) / self.step)) if v > self.start else 0.0


_FIELD_BITS: dict[str, int] = {}


def field_bit(name: str) -> int:
    """The bit that stands for a profile field in a missing-fields mask (assigned on first use)."""
    if name not in _FIELD_BITS:
        if len(_FIELD_BITS) >= 63:
            raise ValueError("more than 63 distinct profile fields in missing-field masks")
        _FIELD_BITS[name] = len(_FIELD_BITS)
    return _FIELD_BITS[name]


def decode_fields(mask: int | None) -> str:
    """A missing-fields mask as comma-joined field names, in the order the fields were first compiled."""
    if not mask:
        return ""
    return ",".join(f for f, b in sorted(_FIELD_BITS.items(), key=lambda x: x[1]) if mask >> b & 1)


class Fields(Node):
    """The fields whose condition is true, as a bit mask (an integer is far cheaper than strings over
    millions of rows; :func:`decode_fields` turns it back into names for the rows that need it)."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Sequence[tuple[str, Node]]) -> None:
        self.pairs = tuple((f, c, field_bit(f)) for f, c in pairs)

    def polars(self) -> pl.Expr:
        if not self.pairs:
            return pl.lit(0, pl.Int64)
        return pl.sum_horizontal([pl.when(c.polars()).then(pl.lit(1 << b, pl.Int64)).otherwise(pl.lit(0, pl.Int64)) for _, c, b in self.pairs])

    def _value(self, row: Row, memo: dict[int, Any]) -> Any:
        return sum(1 << b for _, c, b in self.pairs if c._value(row, memo) is True)
