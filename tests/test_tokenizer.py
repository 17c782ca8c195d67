"""ByteTokenizer must equal transformers' ByT5Tokenizer() on ids, masks and decoding."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import warnings
from functools import cache
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tacgen.nn.tokenizer import ByteTokenizer

transformers = pytest.importorskip("transformers")

SPECIALS = ["</s>", "<pad>", "<unk>", "<extra_id_0>", "<extra_id_7>", "<extra_id_124>"]
NEAR_MISSES = ["<", ">", "</", "<extra_id_", "<extra_id_125>", "<extra_id_07>", "</S>", "<pad"]
LEAN = "⊢∀∃→↔≤≥≠ℕℝℤαβγ₁₂✝«»⟨⟩⁻¹∘∑∏·×∈∉⊆∩∪¬∧∨λ↑"
ASCII = "abcxyz019 _.:=()[]{}+-*/<>|,'"
SPACES = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000"
ALPHABET = LEAN + ASCII + SPACES

lean_text = st.text(alphabet=ALPHABET, max_size=40)
fragment = st.one_of(
    st.text(alphabet=ALPHABET, max_size=8),
    st.sampled_from(SPECIALS),
    st.sampled_from(NEAR_MISSES),
    st.sampled_from(SPACES),
)
mixed_text = st.lists(fragment, max_size=12).map("".join)
any_text = st.one_of(st.text(max_size=60), lean_text, mixed_text)
max_lengths = st.one_of(st.none(), st.integers(1, 64))

TOK = ByteTokenizer()


@cache
def byt5() -> object:
    return transformers.ByT5Tokenizer()


def ref_ids(text: str, max_length: int | None) -> list[int]:
    with warnings.catch_warnings():  # ByT5 warns when the text already ends with </s>
        warnings.simplefilter("ignore")
        enc = byt5()(text, truncation=max_length is not None, max_length=max_length)  # type: ignore[operator]
    return list(enc["input_ids"])


def ref_batch(texts: list[str], max_length: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = byt5()(  # type: ignore[operator]
            texts,
            padding="longest",
            truncation=max_length is not None,
            max_length=max_length,
            return_tensors="pt",
        )
    return enc["input_ids"], enc["attention_mask"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a</s>b", [100, 1, 101, 1]),
        ("x <pad> y", [123, 0, 124, 1]),
        ("<extra_id_0> z", [259, 35, 125, 1]),
        ("a  </s>  b", [100, 1, 101, 1]),
        ("a </s>", [100, 1]),
        ("</s></s>", [1, 1]),
        ("a\u3000<unk>\xa0\x1cb", [100, 2, 101, 1]),
        ("a <extra_id_0> <pad> b", [100, 35, 259, 0, 101, 1]),
        ("<<pad>>", [63, 0, 65, 1]),
        ("<extra_id_124>", [383, 1]),
        ("", [1]),
    ],
)
def test_known_examples(text: str, expected: list[int]) -> None:
    assert TOK.encode(text) == expected
    assert ref_ids(text, None) == expected


def test_truncation_cuts_mid_character_and_keeps_eos() -> None:
    assert TOK.encode("héllo", max_length=4) == [107, 198, 172, 1]
    assert TOK.encode("abc", max_length=1) == [1]
    # ByT5 adds no eos when the truncated ids already end with one.
    assert TOK.encode("a</s>bc", max_length=3) == ref_ids("a</s>bc", 3) == [100, 1]


def test_constants_match_byt5() -> None:
    ref = byt5()
    assert len(ref) == TOK.vocab_size  # type: ignore[arg-type]
    assert ref.pad_token_id == TOK.pad_token_id  # type: ignore[attr-defined]
    assert ref.eos_token_id == TOK.eos_token_id  # type: ignore[attr-defined]
    assert ref.unk_token_id == TOK.unk_token_id  # type: ignore[attr-defined]
    convert = ref.convert_tokens_to_ids  # type: ignore[attr-defined]
    for token, token_id in TOK.special_tokens.items():
        assert convert(token) == token_id


@settings(max_examples=300, deadline=None)
@given(any_text, max_lengths)
def test_encode_matches_byt5(text: str, max_length: int | None) -> None:
    ids = TOK.encode(text, max_length=max_length)
    assert ids == ref_ids(text, max_length)
    assert all(type(i) is int for i in ids)


@settings(max_examples=150, deadline=None)
@given(st.lists(any_text, min_size=1, max_size=6), max_lengths)
def test_batch_encode_matches_byt5(texts: list[str], max_length: int | None) -> None:
    ids, mask = TOK.batch_encode(texts, max_length=max_length)
    ref_ids_, ref_mask = ref_batch(texts, max_length)
    assert ids.dtype == mask.dtype == torch.int64
    assert torch.equal(ids, ref_ids_)
    assert torch.equal(mask, ref_mask)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), lean_text), max_size=6), max_lengths)
def test_batch_encode_bytes_equals_batch_encode(texts: list[str], max_length: int | None) -> None:
    texts = [t for t in texts if not TOK._has_special(t)]
    ids, mask = TOK.batch_encode(texts, max_length=max_length)
    bids, bmask = TOK.batch_encode_bytes([t.encode() for t in texts], max_length=max_length)
    assert torch.equal(ids, bids)
    assert torch.equal(mask, bmask)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=20), min_size=1, max_size=5), max_lengths)
def test_batch_encode_bytes_is_raw(blobs: list[bytes], max_length: int | None) -> None:
    ids, mask = TOK.batch_encode_bytes(blobs, max_length=max_length)
    for row, row_mask, blob in zip(ids.tolist(), mask.tolist(), blobs):
        kept = blob if max_length is None else blob[: max_length - 1]
        expected = [b + 3 for b in kept] + [1]
        assert row[: len(expected)] == expected
        assert row_mask == [1] * len(expected) + [0] * (len(row) - len(expected))
        assert not any(row[len(expected) :])


def test_batch_encode_bytes_does_not_parse_special_tokens() -> None:
    ids, _ = TOK.batch_encode_bytes([b"a </s>"])
    assert ids.tolist() == [[100, 35, 63, 50, 118, 65, 1]]


def test_empty_batch() -> None:
    for ids, mask in (TOK.batch_encode([]), TOK.batch_encode_bytes([], max_length=5)):
        assert ids.shape == mask.shape == (0, 0)
        assert ids.dtype == mask.dtype == torch.int64


def test_bad_max_length() -> None:
    for bad in (0, -3):
        with pytest.raises(ValueError):
            TOK.encode("abc", max_length=bad)
        with pytest.raises(ValueError):
            TOK.batch_encode(["abc"], max_length=bad)


def ref_decode(ids: list[int], skip: bool) -> str:
    return byt5().decode(ids, skip_special_tokens=skip)  # type: ignore[attr-defined,no-any-return]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 383), max_size=30), st.booleans())
def test_decode_matches_byt5(ids: list[int], skip: bool) -> None:
    assert TOK.decode(ids, skip_special_tokens=skip) == ref_decode(ids, skip)
    assert TOK.decode(torch.tensor(ids, dtype=torch.int64), skip) == ref_decode(ids, skip)


@settings(max_examples=200, deadline=None)
@given(any_text, st.integers(1, 64), st.booleans())
def test_decode_of_truncated_encoding(text: str, max_length: int, skip: bool) -> None:
    ids = TOK.encode(text, max_length=max_length)  # may end mid-character
    assert TOK.decode(ids, skip_special_tokens=skip) == ref_decode(ids, skip)


def test_decode_partial_utf8_and_specials() -> None:
    turnstile = [b + 3 for b in "⊢".encode()]  # three bytes
    cases = [
        turnstile[:2],
        [*turnstile[:2], 1, *turnstile[2:]],
        [104, *turnstile[:1], 259, 100, 0, 0],
        [*turnstile, 2, *turnstile[1:], 383],
        [],
        [0, 1, 2],
    ]
    for ids in cases:
        for skip in (True, False):
            assert TOK.decode(ids, skip_special_tokens=skip) == ref_decode(ids, skip)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 383), min_size=4, max_size=4), max_size=5), st.booleans())
def test_batch_decode_matches_byt5(rows: list[list[int]], skip: bool) -> None:
    expected = byt5().batch_decode(rows, skip_special_tokens=skip)  # type: ignore[attr-defined]
    assert TOK.batch_decode(rows, skip_special_tokens=skip) == expected
    if rows:
        assert TOK.batch_decode(torch.tensor(rows), skip_special_tokens=skip) == expected


def test_batch_decode_round_trip() -> None:
    texts = ["⊢ ∀ x : ℕ, x ≤ x + 1", "", "h₁ : α → β\n⊢ «foo» ⟨a, b⟩"]
    ids, _ = TOK.batch_encode(texts)
    assert TOK.batch_decode(ids) == texts
    assert TOK.batch_decode([TOK.encode(t) for t in texts]) == texts


def test_decode_rejects_out_of_vocab_and_bad_shapes() -> None:
    for bad in ([384], [-1], [-100, 5]):
        with pytest.raises(ValueError):
            TOK.decode(bad)
    with pytest.raises(ValueError):
        TOK.decode(torch.zeros(2, 2, dtype=torch.int64))
    with pytest.raises(ValueError):
        TOK.batch_decode(torch.zeros(3, dtype=torch.int64))


def test_save_pretrained_round_trip(tmp_path: Path) -> None:
    TOK.save_pretrained(tmp_path / "tok")
    texts = ["a </s> b <extra_id_3>", "⊢ x ≤ y <pad>", "plain", "", "x<unk>\u3000y"]
    for cls in (transformers.ByT5Tokenizer, transformers.AutoTokenizer):
        loaded = cls.from_pretrained(tmp_path / "tok")
        assert type(loaded).__name__ == "ByT5Tokenizer"
        assert len(loaded) == TOK.vocab_size
        for text in texts:
            assert loaded(text)["input_ids"] == TOK.encode(text)
        enc = loaded(texts, padding="longest", truncation=True, max_length=9, return_tensors="pt")
        ids, mask = TOK.batch_encode(texts, max_length=9)
        assert torch.equal(enc["input_ids"], ids)
        assert torch.equal(enc["attention_mask"], mask)
        sample = [104, 35, 1, 0, 259, 3 + 0xE2, 100]
        for skip in (True, False):
            assert loaded.decode(sample, skip_special_tokens=skip) == TOK.decode(sample, skip)
