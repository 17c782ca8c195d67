"""element_spans must find exactly the objects json.loads finds, or refuse the input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacgen.data.jsonscan import JsonScanError, element_spans, guess_element_spans


def parse_spans(buffer: bytes) -> list[Any]:
    """Each span of ``element_spans`` parsed on its own."""
    return [json.loads(buffer[start:end]) for start, end in element_spans(buffer).tolist()]


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        " [ ] ",
        "\n[\n]\n",
        '[{"a": 1}]',
        '[{"a": "x\\"y"}, {"b": "\\\\"}]',  # escaped quote; a string ending in a backslash
        '[{"a": "\\\\\\\\\\""}, {"b": 2}]',  # backslash run then an escaped quote
        '[{"a": "\\\\\\\\"}, {"b": "]}{["}]',  # even backslash run closes the string
        '[{"a": "[{]}"}, {"b": "}}}"}, {"c": "{{{"}]',  # brackets inside strings
        '[{"a": [[1, 2], [{"b": [3]}]], "c": {"d": {}}}, {}]',  # nesting
        '[\n  {"a": 1} ,\n\n\t{"b": 2}\r\n  ,{"c": 3}\n]\n',  # whitespace between elements
        '[{"u": "⊢ ∀ x, «x» ≤ ℕ"}, {"e": "\\u22a2 \\ud835\\udd38"}]',  # non-ASCII, escapes
        '[{"a": "\\"[\\"", "b": "\\\\", "c": "\\\\\\"}"}]',
    ],
)
def test_spans_equal_json_parsing(text: str) -> None:
    """Each span is one top-level element, and together they are what json.loads gives."""
    buffer = text.encode("utf-8")
    spans = element_spans(buffer)
    assert spans.dtype.kind == "i" and spans.shape == (len(json.loads(text)), 2)
    assert parse_spans(buffer) == json.loads(text)
    for start, end in spans.tolist():
        assert buffer[start : start + 1] == b"{" and buffer[end - 1 : end] == b"}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "junk",
        "{}",
        '{"a": [{"b": 1}]}',  # an object, not an array
        "[1, 2]",
        '[{"a": 1}, 2]',
        '[2, {"a": 1}]',
        '["{", {"a": 1}]',
        '[[{"a": 1}]]',
        '[{"a": 1}] junk',
        'x [{"a": 1}]',
        '[{"a": 1} {"b": 2}]',  # missing comma
        '[{"a": 1},, {"b": 2}]',
        '[{"a": "unterminated}]',
        '[{"a": "x\\"}]',  # the only closing quote is escaped
        '[{"a": 1}',
        '[{"a": 1}]]',
        '[{"a": 1}}]',
        '[{"a": [1}]',
        "[",
        "]",
        '[{"a": 1}][{"b": 2}]',
        '[{"a": 1}]{}',
    ],
)
def test_refuses_non_arrays_of_objects(text: str) -> None:
    """Junk, non-object elements and unterminated strings/arrays raise JsonScanError."""
    with pytest.raises(JsonScanError):
        element_spans(text.encode("utf-8"))


@pytest.mark.parametrize("text", ['[\x0b{"a": 1}]', '[{"a": 1},\x0c{"b": 2}]', "[\x0c]"])
def test_refuses_non_json_whitespace(text: str) -> None:
    """Vertical tab and form feed are not JSON whitespace (json.loads refuses them)."""
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(JsonScanError):
        element_spans(text.encode("utf-8"))


def test_block_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scanning in small blocks (strings and escapes straddling blocks) gives the same spans."""
    import tacgen.data.jsonscan as jsonscan

    items = [{"s": "\\" * k + '"' * (k % 3) + "[{" * k + "é", "n": [k, [k]]} for k in range(16)]
    buffer = json.dumps(items, indent=1, ensure_ascii=False).encode("utf-8")
    expected = element_spans(buffer).tolist()
    for block in (1, 3, 7, 64):
        monkeypatch.setattr(jsonscan, "_BLOCK", block)
        assert jsonscan.element_spans(buffer).tolist() == expected
    assert parse_spans(buffer) == items


tricky_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('\\"[]{},: \n\t⊢«»')),
        st.characters(codec="utf-8"),
    ),
    max_size=20,
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), tricky_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(tricky_text, inner, max_size=3)
    ),
    max_leaves=8,
)
objects = st.dictionaries(tricky_text, json_values, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(objects, max_size=6),
    indent=st.sampled_from([None, 0, 1, 2]),
    ascii_only=st.booleans(),
)
def test_random_lists_of_objects(
    items: list[dict[str, Any]], indent: int | None, ascii_only: bool
) -> None:
    """json.dumps of random objects (any indent) scans to the elements json.loads sees."""
    buffer = json.dumps(items, indent=indent, ensure_ascii=ascii_only).encode("utf-8")
    assert parse_spans(buffer) == json.loads(buffer)


def parse_guessed(buffer: bytes) -> list[Any] | None:
    """The guessed spans parsed, or None when there is no guess or a span is not JSON."""
    spans = guess_element_spans(buffer)
    if spans is None:
        return None
    try:
        return [json.loads(buffer[start:end]) for start, end in spans]
    except json.JSONDecodeError:
        return None


def test_guessed_spans_of_a_leandojo_layout() -> None:
    """json.dump output whose elements share a first key is split without a scan."""
    items = [{"url": "u", "s": '}, {"url": [', "t": [{"a": k}]} for k in range(5)]
    for indent in (None, 2):
        buffer = json.dumps(items, indent=indent).encode("utf-8")
        assert parse_guessed(buffer) == items
    assert guess_element_spans(b"[]") is None
    assert guess_element_spans(b'{"url": 1}') is None  # not an array


@settings(max_examples=80, deadline=None)
@given(
    items=st.lists(st.one_of(objects, objects.map(lambda o: {"url": o})), max_size=6),
    nested=st.booleans(),
    indent=st.sampled_from([None, 0, 2]),
)
def test_guessed_spans_are_right_whenever_they_all_parse(
    items: list[dict[str, Any]], nested: bool, indent: int | None
) -> None:
    """The property the loader relies on: if every guessed span parses, together they
    are exactly the array's elements (inner objects starting with the same key only
    make the guess fail)."""
    if nested and items:
        items[0]["inner"] = [{"url": 1}, {"url": {"url": 2}}]
    buffer = json.dumps(items, indent=indent, ensure_ascii=False).encode("utf-8")
    guessed = parse_guessed(buffer)
    assert guessed is None or guessed == items
