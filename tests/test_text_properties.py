"""Property tests: decoding, normalisation maps and segmentation never lose or corrupt text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from zhengce.corpus.parse import parse_source
from zhengce.corpus.text import InputError, SourceText, decode_bytes, normalise

ALPHABET = st.sampled_from(list("苏州市关于若干措施办法意见。，、：（）()一二三第条章1２3 \u2002\n\t[]《》各人民政府单位附件：解读播报"))
policyish = st.text(alphabet=ALPHABET, max_size=400)


@given(st.text(max_size=300))
def test_normalise_maps_every_character_back_to_an_original_offset(s):
    n = normalise(s, base=7)
    assert len(n.offsets) == len(n.text)
    assert all(7 <= o < 7 + len(s) for o in n.offsets)
    assert list(n.offsets) == sorted(set(n.offsets))


@given(st.binary(max_size=200))
def test_decode_bytes_returns_text_or_a_one_line_error(data):
    try:
        text, enc = decode_bytes("f.txt", data)
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert enc in ("utf-8", "gb18030") and text.strip()


@settings(max_examples=150, deadline=None)
@given(policyish)
def test_parse_any_text_gives_ordered_disjoint_exact_documents(text):
    src = SourceText.from_text("p.txt", text)
    docs = parse_source(src)
    prev_end = 0
    for d in docs:
        assert prev_end <= d.span.start < d.span.end <= len(text)
        prev_end = d.span.end
        for node in d.tree.walk():
            assert d.span.start <= node.start <= node.end <= d.span.end
