"""Decoding options (:mod:`tacgen.generator.options`) without a model: their checks, at
the bounds, and the candidate filters that Lean Copilot relies on."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tacgen.core.errors import UsageError
from tacgen.core.records import Query
from tacgen.generator.options import GenerationOptions, check_num_samples, filter_candidates


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"mode": "greedy"}, "mode must be 'beam' or 'sample', got 'greedy'"),
        ({"temperature": 0.0}, "temperature must be in [0.01, 100], got 0.0"),
        ({"temperature": float("nan")}, "temperature must be in [0.01, 100], got nan"),
        ({"top_k": -1}, "top_k must be in [0, inf), got -1"),
        ({"top_p": 0.0}, "top_p must be in (0, 1], got 0.0"),
        ({"top_p": 1.01}, "top_p must be in (0, 1], got 1.01"),
        ({"seed": -5}, "seed must be in [0, 2147483648), got -5"),
        ({"prefix": 3}, "prefix must be a string, got int"),
        (
            {"banned_tactics": "aesop"},
            "banned_tactics must be a collection of tactics, got one string",
        ),
    ],
)
def test_bad_options_are_refused_with_their_values(values: dict, message: str) -> None:
    with pytest.raises(UsageError) as error:
        GenerationOptions(**values)
    assert str(error.value).endswith(message)


def test_options_at_their_bounds_are_accepted() -> None:
    options = GenerationOptions(mode="sample", temperature=0.01, top_k=0, top_p=1.0)
    assert GenerationOptions(temperature=100.0, seed=2**31 - 1).seed == 2**31 - 1
    assert (options.mode, options.top_k, options.top_p) == ("sample", 0, 1.0)
    assert GenerationOptions(top_p=1e-9).top_p == 1e-9
    banned = GenerationOptions(banned_tactics=["aesop", "aesop"])  # type: ignore[arg-type]
    assert banned.banned_tactics == frozenset({"aesop"})
    assert not GenerationOptions().filters and banned.filters
    assert GenerationOptions(exclude_theorem_name=True).filters


def test_options_from_attributes() -> None:
    fields = {
        "mode": "sample", "temperature": 0.5, "top_k": 5, "top_p": 0.9, "seed": 3,
        "prefix": "si", "banned_tactics": ["aesop"], "exclude_theorem_name": True,
    }  # fmt: skip
    options = GenerationOptions.from_attributes(SimpleNamespace(**fields))
    assert options == GenerationOptions(**{**fields, "banned_tactics": frozenset({"aesop"})})


def test_num_samples_bounds() -> None:
    check_num_samples(1)
    with pytest.raises(UsageError, match=r"^num_samples must be an int, got str '3'$"):
        check_num_samples("3")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"^num_samples must be an int, got bool True$"):
        check_num_samples(True)
    with pytest.raises(UsageError, match=r"^num_samples must be in \[1, \d+\], got 0$"):
        check_num_samples(0)


CANDIDATES = [
    ("aesop", -0.1),
    ("simp [Nat.add_comm]", -0.2),
    ("exact add_comm' a b", -0.3),
    ("exact Foo.add_comm a b", -0.4),
    ("exact my_add_comm a", -0.5),
    ("  ", -0.6),
    ("aesop?", -0.7),
    ("exact Nat.add_comm a b", -0.8),
    ("simp only [mul_comm] at h", -0.9),
    ("rw [add_comm]", -1.0),
]


def test_no_filter_keeps_everything() -> None:
    query = Query("⊢ a + b = b + a", full_name="Nat.add_comm")
    assert filter_candidates(CANDIDATES, query, GenerationOptions()) is CANDIDATES


def test_banned_tactics_match_the_first_word() -> None:
    options = GenerationOptions(banned_tactics=frozenset({"aesop", "simp"}))
    kept = filter_candidates(CANDIDATES, Query("⊢ p"), options)
    assert kept == [CANDIDATES[i] for i in (2, 3, 4, 5, 6, 7, 9)]


def test_the_theorem_name_is_excluded_as_a_whole_identifier() -> None:
    """Both the full name and its last component; not a longer identifier that contains
    it (add_comm', Foo.add_comm, my_add_comm)."""
    options = GenerationOptions(exclude_theorem_name=True)
    kept = filter_candidates(CANDIDATES, Query("⊢ p", full_name="Nat.add_comm"), options)
    assert kept == [CANDIDATES[i] for i in (0, 2, 3, 4, 5, 6, 8)]
    deep = filter_candidates(CANDIDATES, Query("⊢ p", full_name="Nat.Foo.add_comm"), options)
    assert deep == [CANDIDATES[i] for i in (0, 1, 2, 3, 4, 5, 6, 7, 8)]  # rw [add_comm] out
    assert filter_candidates(CANDIDATES, Query("⊢ p"), options) == CANDIDATES  # no name
    own = [("exact add_comm", -1.0), ("exact (add_comm)", -2.0), ("rw [add_comm]", -3.0)]
    assert filter_candidates(own, Query("⊢ p", full_name="add_comm"), options) == []
