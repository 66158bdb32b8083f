"""Raw source text: decoding, validation, line index and provenance helpers.

The original text is never altered. Everything downstream works on offsets
into :attr:`SourceText.text`, and any normalised copy carries a map back to
those offsets (see :func:`normalise`).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 100_000  # longer than any real clause by two orders of magnitude


class InputError(ValueError):
    """Bad input: the message is one line naming the file and the problem."""


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
NOISE_RE = re.compile("|".join(rx.pattern for rx in (BOOKMARK_RE, FOOTNOTE_MARK_RE)) + "|" + HTML_TAG_RE.pattern, re.I)
NOISE_OR_SPACE_RE = re.compile(NOISE_RE.pattern + "|" + SPACE_RE.pattern, re.I)


def _fold(s: str) -> str:
    return DECIMAL_POINT_RE.sub(".", s.translate(FOLD_TABLE))


def normalise(original: str, base: int = 0, *, drop_spaces: bool = True) -> Normalised:
    """Remove noise (WPS bookmarks, [n] marks, HTML tags, odd spaces) and fold full-width
    digits/letters to ASCII, keeping a per-character map to ``base + offset``.
    """
    rx = NOISE_OR_SPACE_RE if drop_spaces else NOISE_RE
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


def is_noise_line(line: str) -> bool:
    """Web noise lines: 播报, 编辑, bare [n], lines holding only spaces/U+2002, page numbers."""
    c = clean(line)
    return c == "" or bool(NOISE_LINE_RE.match(c))
