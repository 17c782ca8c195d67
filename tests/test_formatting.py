"""State, tactic and premise formatting must follow ReProver's generator exactly.

The ``ref_*`` functions below are a deliberately plain, regex-based re-implementation of
ReProver's ``format_state`` / ``format_tactic`` / ``format_augmented_state``; other test
modules import them (``from test_formatting import reference_rows``) to check whole files.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacgen.core.records import Premise
from tacgen.data.formatting import (
    MarkMismatchError,
    format_augmented_state,
    format_state,
    format_tactic,
    normalize_spaces,
    remove_marks,
)

# ----------------------------------------------------------------------- reference


def ref_normalize(text: str) -> str:
    """ReProver's ``normalize_spaces``: every whitespace run becomes one space, ends stripped."""
    return re.sub(r"\s+", " ", text).strip()


def ref_format_state(state: str) -> str:
    """ReProver's ``format_state``: drop a leading "<N> goals" and strip, else unchanged."""
    match = re.match(r"\d+ goals", state)
    return state[match.end() :].strip() if match else state


def ref_format_tactic(annotated: str, names: Sequence[str], normalize: bool) -> str:
    """ReProver's ``format_tactic``: the i-th ``<a>ident</a>`` gets the i-th provenance name."""
    if normalize:
        annotated = ref_normalize(annotated)
    if not names:
        return annotated
    marks = list(re.finditer(r"<a>(?P<ident>.+?)</a>", annotated))
    if len(marks) != len(names):
        raise ValueError(f"{len(marks)} marks, {len(names)} provenances")
    out, last = "", 0
    for mark, name in zip(marks, names):
        out += annotated[last : mark.start()] + "<a>" + name + "</a>"
        last = mark.end()
    return out + annotated[last:]


def ref_remove_marks(text: str) -> str:
    """ReProver's ``remove_marks``."""
    return text.replace("<a>", "").replace("</a>", "")


def ref_tactic_of(tactic: dict[str, Any], keep_marks: bool, normalize: bool) -> str:
    """The formatted target of one traced tactic, as ReProver's ``_load_data`` builds it."""
    if "annotated_tactic" in tactic:
        text, provenances = tactic["annotated_tactic"]
        formatted = ref_format_tactic(text, [p["full_name"] for p in provenances], normalize)
    else:
        formatted = ref_format_tactic(tactic["tactic"], [], normalize)
    return formatted if keep_marks else ref_remove_marks(formatted)


Row = tuple[str, str, str, str, tuple[int, int], int, str, str]


def reference_rows(theorems: list[dict[str, Any]], keep_marks: bool, normalize: bool) -> list[Row]:
    """(url, commit, file_path, full_name, start, tactic_index, state, tactic) per tactic."""
    rows: list[Row] = []
    for thm in theorems:
        for i, tactic in enumerate(thm["traced_tactics"]):
            rows.append(
                (
                    thm["url"],
                    thm["commit"],
                    thm["file_path"],
                    thm["full_name"],
                    (thm["start"][0], thm["start"][1]),
                    i,
                    ref_format_state(tactic["state_before"]),
                    ref_tactic_of(tactic, keep_marks, normalize),
                )
            )
    return rows


def example_rows(examples: Any) -> list[Row]:
    """The same tuple for each ``Example`` of a table or dataset."""
    return [
        (
            e.url,
            e.commit,
            e.file_path,
            e.full_name,
            e.start,
            e.tactic_index,
            e.state,
            e.tactic,
        )
        for e in examples
    ]


def ref_augment(
    state: str, premises: Sequence[Premise], max_len: int, p_drop: float, rng: random.Random
) -> str:
    """ReProver's ``format_augmented_state`` (state already formatted), with a given rng."""
    aug = ""
    length = 0
    budget = max_len - len(state.encode("utf-8"))
    for premise in premises:
        if p_drop > 0 and rng.random() < p_drop:
            continue
        text = f"{premise.serialize()}\n\n"
        size = len(text.encode("utf-8"))
        if length + size > budget:
            continue
        length += size
        aug = text + aug
    return aug + state


def premise(full_name: str, code: str) -> Premise:
    """A premise with dummy location."""
    return Premise("Lib/File.lean", full_name, (1, 1), (2, 1), code)


# --------------------------------------------------------------------------- state


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("12 goals\n\ncase a\n⊢ x", "case a\n⊢ x"),
        ("2 goals\ncase inl\n⊢ p\n\ncase inr\n⊢ q\n", "case inl\n⊢ p\n\ncase inr\n⊢ q"),
        ("⊢ 2 goals", "⊢ 2 goals"),
        ("  x : ℕ\n⊢ x = x  ", "  x : ℕ\n⊢ x = x  "),
        ("n : ℕ\n⊢ n + 0 = n", "n : ℕ\n⊢ n + 0 = n"),
        ("3 goals", ""),
        ("10 goalsX", "X"),
        ("goals", "goals"),
        (" 2 goals\n⊢ x", " 2 goals\n⊢ x"),
        ("", ""),
    ],
)
def test_format_state(state: str, expected: str) -> None:
    """A leading "<N> goals" is removed and the rest stripped; other states are unchanged."""
    assert format_state(state) == expected
    assert ref_format_state(state) == expected


# -------------------------------------------------------------------------- tactic


def test_normalize_spaces_examples() -> None:
    """Whitespace runs (Unicode ones too) become one space; the ends are stripped."""
    assert normalize_spaces("  simp only [a,\n    b]\t\t ") == "simp only [a, b]"
    assert normalize_spaces("exact\u00a0 trivial\u3000") == "exact trivial"
    assert normalize_spaces("a\x1cb\x1fc\x85d") == "a b c d"
    assert normalize_spaces("\n\t ") == ""


@pytest.mark.parametrize(
    ("annotated", "names", "normalize", "expected"),
    [
        ("rw [<a>add_zero</a>]", ["Nat.add_zero"], True, "rw [<a>Nat.add_zero</a>]"),
        (
            "simp only [<a>add_comm</a>,\n    <a>mul_comm</a>]  ",
            ["Nat.add_comm", "Nat.mul_comm"],
            True,
            "simp only [<a>Nat.add_comm</a>, <a>Nat.mul_comm</a>]",
        ),
        (
            "simp only [<a>add_comm</a>,\n    <a>mul_comm</a>]  ",
            ["Nat.add_comm", "Nat.mul_comm"],
            False,
            "simp only [<a>Nat.add_comm</a>,\n    <a>Nat.mul_comm</a>]  ",
        ),
        # Non-greedy: "<a>a</a> x <a>b</a>" is two marks, not one.
        ("<a>a</a> x <a>b</a>", ["A.a", "B.b"], True, "<a>A.a</a> x <a>B.b</a>"),
        # Normalization with no provenances at all still happens.
        ("  exact\n  rfl  ", [], True, "exact rfl"),
        ("  exact\n  rfl  ", [], False, "  exact\n  rfl  "),
        # No provenances: marks are left as they are (ReProver returns early).
        ("exact <a>foo</a>", [], True, "exact <a>foo</a>"),
        # A mark spanning a newline only matches once normalized ("." skips "\n").
        ("exact <a>fo\no</a>", ["X.foo"], True, "exact <a>X.foo</a>"),
    ],
)
def test_format_tactic_examples(
    annotated: str, names: list[str], normalize: bool, expected: str
) -> None:
    """Hand-checked tactics, with and without normalization."""
    assert format_tactic(annotated, names, normalize) == expected
    assert ref_format_tactic(annotated, names, normalize) == expected


@pytest.mark.parametrize(
    ("annotated", "names", "normalize"),
    [
        ("rw [<a>a</a>, <a>b</a>]", ["A.a"], True),
        ("rw [<a>a</a>]", ["A.a", "B.b"], True),
        ("simp", ["A.a"], False),
        ("exact <a>fo\no</a>", ["X.foo"], False),
    ],
)
def test_format_tactic_mismatch(annotated: str, names: list[str], normalize: bool) -> None:
    """More or fewer marks than provenances raise MarkMismatchError (a ValueError)."""
    with pytest.raises(MarkMismatchError):
        format_tactic(annotated, names, normalize)
    assert issubclass(MarkMismatchError, ValueError)


def test_remove_marks() -> None:
    """keep_marks=False removes every <a> and </a>, matched or not."""
    assert remove_marks("rw [<a>Nat.add_zero</a>, <a>x</a>]") == "rw [Nat.add_zero, x]"
    assert remove_marks("<a></a>a>") == "a>"
    assert remove_marks("no marks") == "no marks"


LEAN = "⊢∀∃→↔≤≠ℕℝαβ₁✝«»⟨⟩⁻¹·∈∧∨λ↑'"
ASCII = "abxyz01 _.:=()[],<>/|"
SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2003\u2028\u3000"
MARKS = ["<a>", "</a>", "<a>x</a>", "<a>Nat.succ</a>", "<a></a>", "<a>h₁</a>", "<a>a\nb</a>"]

fragment = st.one_of(
    st.text(alphabet=LEAN + ASCII + SPACES, max_size=8),
    st.sampled_from(MARKS),
    st.sampled_from(SPACES),
)
tactic_text = st.lists(fragment, max_size=12).map("".join)
names = st.text(alphabet=LEAN + ASCII + SPACES, min_size=1, max_size=10)


@settings(max_examples=200, deadline=None)
@given(text=tactic_text, normalize=st.booleans(), keep=st.booleans(), data=st.data())
def test_format_tactic_matches_reference(
    text: str, normalize: bool, keep: bool, data: st.DataObject
) -> None:
    """format_tactic (+ remove_marks) equals the regex reference on odd texts and names."""
    base = ref_normalize(text) if normalize else text
    count = len(re.findall(r"<a>(?P<ident>.+?)</a>", base))
    size = data.draw(st.one_of(st.just(count), st.integers(0, 4)), label="provenances")
    provenances = data.draw(st.lists(names, min_size=size, max_size=size), label="names")
    try:
        expected: str | None = ref_format_tactic(text, provenances, normalize)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(MarkMismatchError):
            format_tactic(text, provenances, normalize)
        return
    got = format_tactic(text, provenances, normalize)
    assert got == expected
    if not keep:
        assert remove_marks(got) == ref_remove_marks(expected)
        assert "<a>" not in remove_marks(got) and "</a>" not in remove_marks(got)


@settings(max_examples=100, deadline=None)
@given(text=tactic_text)
def test_normalize_spaces_matches_regex(text: str) -> None:
    """normalize_spaces equals re.sub(r"\\s+", " ", s).strip() on any text."""
    assert normalize_spaces(text) == ref_normalize(text)


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.sampled_from(
        ["", "2 goals", "12 goals", "0 goals", "goals", " 3 goals", "⊢ 2 goals"]
    ),
    rest=st.text(alphabet=LEAN + ASCII + SPACES, max_size=30),
)
def test_format_state_matches_reference(prefix: str, rest: str) -> None:
    """format_state equals the regex reference on states with and without a goals prefix."""
    assert format_state(prefix + rest) == ref_format_state(prefix + rest)


# ------------------------------------------------------------------------- premise


@pytest.mark.parametrize(
    ("full_name", "code", "expected"),
    [
        (
            "Nat.add_comm",
            "theorem add_comm (n m : Nat) : n + m = m + n",
            "theorem <a>Nat.add_comm</a> (n m : Nat) : n + m = m + n",
        ),
        # The longest suffix found wins; only its occurrences are marked.
        (
            "Nat.add_comm",
            "protected theorem Nat.add_comm : ∀ n m, n + m = m + n := add_comm",
            "protected theorem <a>Nat.add_comm</a> : ∀ n m, n + m = m + n := add_comm",
        ),
        # All occurrences after whitespace are marked (newlines count as whitespace).
        (
            "Foo.bar",
            "def bar : Nat := 0\ntheorem x : bar = 0 :=\nbar_eq",
            "def <a>Foo.bar</a> : Nat := 0\ntheorem x : <a>Foo.bar</a> = 0 :=\n<a>Foo.bar</a>_eq",
        ),
        # «»-quoted names: the guillemets are consumed with the name.
        ("Foo.my_thm", "theorem «my_thm» : True", "theorem <a>Foo.my_thm</a> : True"),
        ("Foo.«my thm»", "theorem «my thm» : True", "theorem <a>Foo.«my thm»</a> : True"),
        # _root_.<full_name> is replaced first.
        ("foo", "theorem _root_.foo : True", "theorem <a>foo</a> : True"),
        (
            "A.foo",
            "theorem _root_.A.foo : True := foo",
            "theorem <a>A.foo</a> : True := <a>A.foo</a>",
        ),
        # Not present: unchanged.
        ("Nat.sub_self", "theorem add_zero (n : Nat) : n + 0 = n", None),
        # At the very start of the code (no whitespace before): not marked.
        ("Nat.succ_le", "succ_le : a < b ↔ a + 1 ≤ b", None),
        ("Nat.succ_le", "(succ_le) : x", None),
        # Dots in names are literal.
        ("A.b.c", "theorem bxc : True", None),
        # Names with regex metacharacters.
        ("Set.mem_(+)", "lemma mem_(+) : x", "lemma <a>Set.mem_(+)</a> : x"),
    ],
)
def test_premise_serialize(full_name: str, code: str, expected: str | None) -> None:
    """Premise.serialize marks the full name as ReProver does (hand-checked cases)."""
    assert premise(full_name, code).serialize() == (code if expected is None else expected)


# ---------------------------------------------------------------- augmented state


def test_augmented_state_order_budget_and_skip() -> None:
    """Best-first visit, skip on overflow, later shorter ones fit, best right before state."""
    state = "⊢ x"  # 5 UTF-8 bytes
    p1 = premise("A.one", "theorem one : a")  # "theorem <a>A.one</a> : a" + "\n\n" = 26 bytes
    p2 = premise("A.two", "theorem two : a very long statement that cannot fit")
    p3 = premise("A.c", "lemma c : b")
    sizes = [len((p.serialize() + "\n\n").encode()) for p in (p1, p2, p3)]
    assert sizes[0] + sizes[2] < sizes[0] + sizes[1]
    max_len = len(state.encode()) + sizes[0] + sizes[2]
    expected = p3.serialize() + "\n\n" + p1.serialize() + "\n\n" + state
    got = format_augmented_state(state, [p1, p2, p3], max_len, 0.0)
    assert got == expected
    assert len(got.encode()) == max_len  # exactly at the budget is accepted
    # One byte less: p3 no longer fits after p1, but p1 alone still does.
    got = format_augmented_state(state, [p1, p2, p3], max_len - 1, 0.0)
    assert got == p1.serialize() + "\n\n" + state
    # The budget is what the state leaves; a state over it gets no premises at all.
    assert format_augmented_state(state, [p1, p3], 3, 0.0) == state
    assert format_augmented_state(state, [], 10_000, 0.0) == state


def test_augmented_state_counts_utf8_bytes() -> None:
    """Premise and state sizes are UTF-8 bytes, not characters."""
    state = "⊢ ℕ"  # 3 characters, 7 bytes
    p = premise("A.p", "theorem p : ℕ → ℕ")
    text = p.serialize() + "\n\n"
    need = len(state.encode()) + len(text.encode())
    assert len(state) + len(text) < need - 1
    assert format_augmented_state(state, [p], need, 0.0) == text + state
    assert format_augmented_state(state, [p], need - 1, 0.0) == state
    assert format_augmented_state(state, [p], len(state) + len(text), 0.0) == state


def test_augmented_state_drop_probabilities() -> None:
    """premise_drop_prob=1 drops every premise, 0 none; a seeded rng makes it deterministic."""
    state = "⊢ True"
    premises = [premise(f"A.p{i}", f"theorem p{i} : True") for i in range(30)]
    everything = format_augmented_state(state, premises, 100_000, 0.0, random.Random(1))
    assert everything == "".join(p.serialize() + "\n\n" for p in reversed(premises)) + state
    assert format_augmented_state(state, premises, 100_000, 1.0, random.Random(1)) == state
    first = format_augmented_state(state, premises, 100_000, 0.5, random.Random(7))
    again = format_augmented_state(state, premises, 100_000, 0.5, random.Random(7))
    assert first == again
    assert first == ref_augment(state, premises, 100_000, 0.5, random.Random(7))
    others = {
        format_augmented_state(state, premises, 100_000, 0.5, random.Random(s)) for s in range(5)
    }
    assert len(others) > 1
    with pytest.raises(ValueError):
        format_augmented_state(state, premises, 100, 1.5)


premise_code = st.text(alphabet=LEAN + ASCII + " \n", max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    codes=st.lists(premise_code, max_size=8),
    state=st.text(alphabet=LEAN + ASCII + SPACES, max_size=30),
    max_len=st.integers(0, 300),
    p_drop=st.sampled_from([0.0, 0.3, 0.7, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_augmented_state_matches_reference(
    codes: list[str], state: str, max_len: int, p_drop: float, seed: int
) -> None:
    """format_augmented_state equals ReProver's algorithm for the same random stream."""
    premises = [premise(f"Lib.n{i}", f"theorem n{i} : {code}") for i, code in enumerate(codes)]
    got = format_augmented_state(state, premises, max_len, p_drop, random.Random(seed))
    assert got == ref_augment(state, premises, max_len, p_drop, random.Random(seed))
    assert got.endswith(state)
