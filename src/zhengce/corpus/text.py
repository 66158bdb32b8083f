"""Raw source text: decoding, validation, line index and provenance helpers.

The original text is never altered. Everything downstream works on offsets
into :attr:`SourceText.text`, and any normalised copy carries a map back to
those offsets (see :func:`normalise`).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zhengce.errors import InputError  # noqa: F401 (re-exported: callers catch it from here)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 100_000  # longer than any real clause by two orders of magnitude


@dataclass(frozen=True)
class SourceText:
    """A decoded source file with a line index."""

    name: str  # file name, the key documents cite (e.g. 003_984d27a47f4e90c5.txt)
    path: str
    text: str
    sha256: str
    encoding: str
    line_starts: tuple[int, ...] = field(repr=False)

    @classmethod
    def from_text(cls, name: str, text: str, *, path: str = "", sha256: str = "", encoding: str = "utf-8") -> SourceText:
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", text))
        if starts[-1] == len(text) and len(starts) > 1:
            starts.pop()  # a trailing newline does not open a new line
        digest = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls(name=name, path=path, text=text, sha256=digest, encoding=encoding, line_starts=tuple(starts))

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        """1-based line number holding character ``offset``."""
        return bisect.bisect_right(self.line_starts, offset)

    def line_span(self, line_no: int) -> tuple[int, int]:
        """Character span of a 1-based line, without its newline."""
        start = self.line_starts[line_no - 1]
        end = self.line_starts[line_no] if line_no < len(self.line_starts) else len(self.text)
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return start, max(start, end)

    def line(self, line_no: int) -> str:
        start, end = self.line_span(line_no)
        return self.text[start:end]


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cs") and ch not in "\n\r\t")
    return bad / len(text) < 0.001


def decode_bytes(name: str, data: bytes) -> tuple[str, str]:
    """Decode policy text. UTF-8 first, then GB18030 (a superset of GBK).

    Returns ``(text, encoding)``; raises :class:`InputError` for anything that
    is not text.
    """
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: binary file (NUL bytes), not policy text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
            encoding = "gb18030"
        except UnicodeDecodeError:
            raise InputError(f"{name}: not UTF-8 or GBK/GB18030 text (undecodable bytes)") from None
        cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        if cjk < 0.2 * len(text.strip()):
            raise InputError(f"{name}: binary or unknown encoding (neither UTF-8 nor plausible GBK)")
    if not _looks_like_text(text):
        raise InputError(f"{name}: binary content (control characters), not policy text")
    return text, encoding


def read_source(path: Path) -> SourceText:
    """Read, validate and decode one file."""
    name = path.name
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{name}: file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    data = path.read_bytes()
    text, encoding = decode_bytes(name, data)
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        line_no = next(i for i, line in enumerate(text.split("\n"), 1) if len(line) == longest)
        raise InputError(f"{name}: line {line_no} is {longest:,} characters long; the limit is {MAX_LINE_CHARS:,}")
    return SourceText.from_text(
        name, text, path=str(path), sha256=hashlib.sha256(data).hexdigest(), encoding=encoding
    )


# --- normalisation with an offset map -------------------------------------------------

BOOKMARK_RE = re.compile(r"\[bookmark: [^\]]*\]")
FOOTNOTE_MARK_RE = re.compile(r"\s?\[\d{1,2}\]")  # web encyclopedia citation marks: [1], [2]
HTML_TAG_RE = re.compile(r"</?(?:p|ol|ul|li|br|span|div|strong|b|i|em)\b[^<>]*>", re.I)
# pinyin ruby scraped inline after a character: 区(qū), 关(guān), 业(yè); a tone mark is required,
# so (ABS), (GDR) and other Latin words in brackets are text
PINYIN_RUBY_RE = re.compile(r"(?<=[\u3400-\u9fff])[(（][a-zü]{0,5}[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]{0,5}[)）]")
# spaces of every width, including U+2002 EN SPACE and U+3000 ideographic space
SPACE_RE = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b\u3000]+")


@dataclass(frozen=True)
class Normalised:
    """A normalised copy of an original slice, with a map back to original offsets."""

    text: str
    offsets: tuple[int, ...]  # offsets[i] = original offset of text[i]
    end: int  # original offset just past the slice

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text back to an original span."""
        if start >= len(self.offsets):
            return self.end, self.end
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1 if end > start else o_start
        return o_start, o_end


_FULL_WIDTH = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
FOLD_TABLE = str.maketrans({chr(c): chr(c - 0xFEE0) for c in _FULL_WIDTH})  # full-width digits/letters → ASCII
DECIMAL_POINT_RE = re.compile(r"(?<=\d)．")
NOISE_RE = re.compile(
    "|".join(rx.pattern for rx in (BOOKMARK_RE, FOOTNOTE_MARK_RE, PINYIN_RUBY_RE)) + "|" + HTML_TAG_RE.pattern, re.I
)
NOISE_OR_SPACE_RE = re.compile(NOISE_RE.pattern + "|" + SPACE_RE.pattern, re.I)
NOISE_OR_SPACE_NL_RE = re.compile(NOISE_OR_SPACE_RE.pattern + r"|[\r\n]+", re.I)
NOISE_OR_NL_RE = re.compile(NOISE_RE.pattern + r"|[\r\n]+", re.I)


# OCR'd text writes the letter O for a zero: 5O万元, 1O%, 2O24年. Only a run of O/o right
# after a digit and before another digit, a decimal point or a unit is a zero; ISO9001,
# TOTAL, 5Gbps are words and stay as they are.
OCR_ZERO_RE = re.compile(r"(?<=\d)[Oo]+(?=[.．]?\d|[万亿千百元%％‰条章节年月日号个家项人倍]|个百分点)")


def fix_ocr_zero(s: str) -> str:
    """5O万元 → 50万元 (length-preserving: offsets are unchanged)."""
    if "O" not in s and "o" not in s:
        return s
    return OCR_ZERO_RE.sub(lambda m: "0" * len(m.group(0)), s)


# --- traditional → simplified, character for character ---------------------------------


@dataclass(frozen=True)
class _T2S:
    convert: Callable[[str], str]  # OpenCC("t2s").convert, phrase-aware
    chars: dict[str, str]  # single-character conversions, each exactly one character
    trigger: re.Pattern[str] | None  # characters that only traditional text uses


@functools.lru_cache(maxsize=1)
def _t2s() -> _T2S | None:
    """OpenCC's t2s converter and the set of traditional-only characters.

    A character is traditional-only when t2s changes it and GB2312 (simplified
    characters only) cannot encode it: 給, 萬, 補, 關 are; 於, 後, 乾, 覆 are not,
    because simplified text uses them too. Returns None when OpenCC is missing.
    """
    try:
        import opencc
    except ImportError:  # pragma: no cover - the dependency is pinned
        return None
    cc = opencc.OpenCC("t2s")
    codepoints = [*range(0x3400, 0xA000), *range(0xF900, 0xFB00)]
    singles = [chr(c) for c in codepoints]
    converted = cc.convert("\n".join(singles)).split("\n")
    chars: dict[str, str] = {}
    trigger: list[str] = []
    if len(converted) == len(singles):
        for a, b in zip(singles, converted):
            if a == b or len(b) != 1:
                continue
            chars[a] = b
            try:
                a.encode("gb2312")
            except UnicodeEncodeError:
                trigger.append(a)
    rx = re.compile("[" + "".join(re.escape(c) for c in trigger) + "]") if trigger else None
    return _T2S(cc.convert, chars, rx)


def to_simplified(s: str) -> str:
    """A simplified-character copy of ``s`` of exactly the same length.

    Text with no traditional-only character is returned unchanged (so simplified
    text is never "converted": OpenCC would turn 覆盖 into 复盖). Otherwise OpenCC
    converts phrase by phrase; if that ever changes the length, the copy is made
    character by character instead, so position i of the copy is always the
    conversion of position i of the original and offset maps stay exact.
    """
    t = _t2s()
    if t is None or t.trigger is None or not t.trigger.search(s):
        return s
    out = t.convert(s)
    if len(out) == len(s):
        return out
    return "".join(t.chars.get(ch, ch) for ch in s)


_FULL_WIDTH_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def _fold(s: str) -> str:
    if _FULL_WIDTH_RE.search(s):  # str.translate is slow on long text: only when needed
        s = s.translate(FOLD_TABLE)
    if "．" in s:
        s = DECIMAL_POINT_RE.sub(".", s)
    return fix_ocr_zero(to_simplified(s))


# anything normalise() would drop or fold; text without any of it is already normal
NEEDS_NORMALISE_RE = re.compile(
    r"[\s\u00a0\u2002\u2003\u2009\u200b\u3000\[<\uff10-\uff19\uff21-\uff3a\uff41-\uff5a．]|\d[Oo]|"
    + PINYIN_RUBY_RE.pattern,
    re.I,
)


def is_normal(s: str) -> bool:
    """True when :func:`normalise` would return ``s`` itself (fast check, no copy)."""
    if NEEDS_NORMALISE_RE.search(s):
        return False
    t = _t2s()
    return t is None or t.trigger is None or not t.trigger.search(s)


def normalise(
    original: str, base: int = 0, *, drop_spaces: bool = True, drop_newlines: bool = False
) -> Normalised:
    """Remove noise (WPS bookmarks, [n] marks, HTML tags, pinyin ruby, odd spaces) and fold full-width
    digits/letters to ASCII, OCR's letter O for zero to 0 and traditional characters to
    simplified, keeping a per-character map to ``base + offset``.

    With ``drop_newlines`` line breaks are dropped too, so a sentence broken across
    lines (给予50 万 / 空行 / 元) reads as one: Chinese puts no space between words.
    """
    rx = NOISE_OR_SPACE_RE if drop_spaces else NOISE_RE
    if drop_newlines:
        rx = NOISE_OR_SPACE_NL_RE if drop_spaces else NOISE_OR_NL_RE
    pieces: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in rx.finditer(original):
        if m.start() > pos:
            pieces.append(original[pos : m.start()])
            offsets.extend(range(base + pos, base + m.start()))
        pos = max(pos, m.end())
    if pos < len(original):
        pieces.append(original[pos:])
        offsets.extend(range(base + pos, base + len(original)))
    return Normalised(_fold("".join(pieces)), tuple(offsets), base + len(original))


def clean(s: str) -> str:
    """Normalised text only (no map), for comparisons."""
    return _fold(NOISE_OR_SPACE_RE.sub("", s))


NOISE_LINE_RE = re.compile(r"^(?:播报|编辑|\[\d{1,2}\]|\d{1,3})$")


# the byline of a web page reposting a policy (来源：XX市人民政府网  发布时间：2024-03-01  浏览次数：),
# its font-size and print buttons: page furniture, not policy text
REPOST_META_RE = re.compile(
    r"^(?:\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?(?:\d{1,2}:\d{2}(?::\d{2})?)?)?"  # 2020年04月26日08:37 来源:…
    r"[【\[]?(?:信息来源|文章来源|稿件来源|来源|发布时间|发布日期|发布者|发布人|发布单位|发布机构|更新时间|浏览次数|"
    r"阅读次数|阅读量|浏览量|点击数|点击量|点击次数|访问量|字号|字体|责任编辑|原标题|分享到|打印本页|关闭窗口|打印|关闭)"
    r"[】\]]?(?:[：:]|$)"
)


def is_repost_meta_line(line: str) -> bool:
    """来源/发布时间/浏览次数/字号 lines of a reposted web page (kept in the original, skipped by the parser)."""
    return _is_repost_meta(clean(line))


def _is_repost_meta(c: str) -> bool:
    return len(c) <= 200 and "。" not in c and bool(REPOST_META_RE.match(c))


def is_noise_line(line: str) -> bool:
    """Web noise lines: 播报, 编辑, bare [n], lines holding only spaces/U+2002, page numbers,
    and a repost's 来源/发布时间/浏览次数 lines."""
    c = clean(line)
    return c == "" or bool(NOISE_LINE_RE.match(c)) or _is_repost_meta(c)
