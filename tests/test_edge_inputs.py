"""Property tests: the torch and CTranslate2 (float32) backends agree on edge inputs.

Same candidates, scores within 1e-3 (the tolerance of issue 16), on whitespace-only states,
states at the input budget and one byte past it, non-BMP characters and prefixes up to the
output budget; the same refusal where there is nothing to answer (an empty state, a lone
surrogate); never a blank tactic. Scoring given tactics (``/v1/score``) likewise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model_fixtures import assert_same_candidates
from tacgen.core.errors import TacgenError
from tacgen.generator.inference import InferenceGenerator, load_generator
from tacgen.generator.options import MAX_SEED, GenerationOptions

pytest.importorskip("ctranslate2")

MAX_INPUT = 48
"""The input budget the generators are loaded with (bytes, eos included): cheap to reach."""
MAX_OUTPUT = 24
"""The tiny checkpoint's output budget (tokens, eos included)."""
ATOL = 1e-3

FAST = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NON_BMP = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, categories=["L", "S", "N"])
TEXT = st.characters(codec="utf-8")  # no lone surrogates
WORDS = st.text(st.one_of(TEXT, NON_BMP, st.sampled_from("⊢ℕ∀→ \n")), min_size=1, max_size=12)


@st.composite
def exactly(draw: st.DrawFn, size: int) -> str:
    """A text of exactly ``size`` UTF-8 bytes, non-BMP characters in it."""
    text = ""
    while len(text.encode()) < size:
        char = draw(st.one_of(NON_BMP, st.sampled_from("ab ⊢")))
        if len((text + char).encode()) <= size:
            text += char
        else:
            text += "x"
    return text


STATES = st.one_of(
    st.text(st.sampled_from(" \t\n\r\x0b\x0c"), min_size=1, max_size=8),  # whitespace only
    WORDS,
    st.text(NON_BMP, min_size=1, max_size=6),
    exactly(MAX_INPUT - 1),  # the most that is read whole (eos takes the last slot)
    exactly(MAX_INPUT),
    exactly(MAX_INPUT + 1),
)


@pytest.fixture(scope="module")
def backends(
    tiny_checkpoint: Path, tiny_ct2_cache: Path
) -> Iterator[dict[str, InferenceGenerator]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TACGEN_CACHE_DIR", str(tiny_ct2_cache))
        ct2 = load_generator(
            tiny_checkpoint, device="cpu", backend="ct2", compute_type="float32",
            max_input_length=MAX_INPUT,
        )  # fmt: skip
    torch = load_generator(tiny_checkpoint, device="cpu", max_input_length=MAX_INPUT)
    yield {"torch": torch, "ct2": ct2}


def check_candidates(candidates: list[tuple[str, float]], prefix: str = "") -> None:
    """Real candidates: distinct, non-blank, starting with the prefix, log-probabilities."""
    assert len({t for t, _ in candidates}) == len(candidates)
    for tactic, score in candidates:
        assert tactic.strip() and tactic.startswith(prefix), candidates
        assert -1e4 < score <= 1e-4, candidates


@FAST
@given(state=STATES)
def test_backends_agree_on_edge_states(backends: dict[str, InferenceGenerator], state: str) -> None:
    ours = backends["torch"].generate(state, "", "", (0, 0), 4)
    theirs = backends["ct2"].generate(state, "", "", (0, 0), 4)
    check_candidates(ours)
    check_candidates(theirs)
    assert_same_candidates(ours, theirs, atol=ATOL)


@FAST
@given(
    state=st.sampled_from(["⊢ True", "n : ℕ\n⊢ n + 0 = n", "  "]),
    size=st.integers(MAX_OUTPUT - 3, MAX_OUTPUT + 1),
    data=st.data(),
)
def test_backends_agree_on_prefixes_up_to_the_output_budget(
    backends: dict[str, InferenceGenerator], state: str, size: int, data: st.DataObject
) -> None:
    """A prefix of ``max_output_length`` bytes or more leaves no room: no candidates, on
    both; one shorter gives the same candidates (some cut short at the budget)."""
    prefix = data.draw(exactly(size))
    options = GenerationOptions(prefix=prefix)
    ours = backends["torch"].generate(state, "", "", (0, 0), 3, options)
    theirs = backends["ct2"].generate(state, "", "", (0, 0), 3, options)
    if size >= MAX_OUTPUT:
        assert ours == theirs == []
        return
    check_candidates(ours, prefix)
    check_candidates(theirs, prefix)
    assert_same_candidates(ours, theirs, atol=ATOL)


@FAST
@given(state=STATES, tactics=st.lists(st.one_of(st.just(""), WORDS, exactly(30)), max_size=4))
def test_backends_agree_on_scores_of_given_tactics(
    backends: dict[str, InferenceGenerator], state: str, tactics: list[str]
) -> None:
    ours = backends["torch"].score(state, tactics)
    theirs = backends["ct2"].score(state, tactics)
    assert len(ours) == len(theirs) == len(tactics)
    assert ours == pytest.approx(theirs, abs=ATOL)


@settings(FAST, max_examples=6)
@given(
    seed=st.sampled_from([0, 1, MAX_SEED - 1]),
    temperature=st.sampled_from([0.01, 1.0, 100.0]),
    top_k=st.sampled_from([0, 1, 383, 384, 10**30]),
    top_p=st.sampled_from([5e-324, 1e-40, 0.5, 1.0]),
)
def test_every_accepted_option_decodes_on_both_backends(
    backends: dict[str, InferenceGenerator], seed: int, temperature: float, top_k: int, top_p: float
) -> None:
    """What the bounds accept, both backends take (sampling differs between their random
    generators, so the candidates are checked, not compared)."""
    options = GenerationOptions("sample", temperature, top_k, top_p, seed)
    for generator in backends.values():
        candidates = generator.generate("⊢ True", "", "", (0, 0), 4, options)
        check_candidates(candidates)
        assert candidates == generator.generate("⊢ True", "", "", (0, 0), 4, options)


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_nothing_to_answer_is_the_same_refusal(
    backends: dict[str, InferenceGenerator], backend: str
) -> None:
    """An empty state (CTranslate2 answered one empty tactic of probability 1) and lone
    surrogates: refused alike, never a fabricated candidate."""
    generator = backends[backend]
    with pytest.raises(TacgenError, match="state of query 0 is empty"):
        generator.generate("", "", "", (0, 0), 4)
    with pytest.raises(TacgenError, match="state of query 0 is empty"):
        generator.score("", ["simp"])
    with pytest.raises(TacgenError, match="state is not valid Unicode"):
        generator.generate("⊢ \ud800", "", "", (0, 0), 4)
    with pytest.raises(TacgenError, match="tactic is not valid Unicode"):
        generator.score("⊢ True", ["simp \udfff"])
    with pytest.raises(TacgenError, match="prefix is not valid Unicode"):
        generator.generate("⊢ True", "", "", (0, 0), 4, GenerationOptions(prefix="\ud800"))


@pytest.mark.slow
@settings(FAST, max_examples=150)
@given(state=STATES, prefix=st.one_of(st.just(""), WORDS))
def test_backends_agree_on_many_edge_inputs(
    backends: dict[str, InferenceGenerator], state: str, prefix: str
) -> None:
    """Many examples: every shared score agrees, and without a prefix the best candidate.
    The whole lists may not: the two beam searches stop by different rules, and CTranslate2's
    fourth beam was seen to be worse than torch's ('trivil' -7.01 for 'trivial' -6.79);
    with a prefix even its best (see the xfail test below)."""
    options = GenerationOptions(prefix=prefix)
    ours = backends["torch"].generate(state, "", "", (0, 0), 4, options)
    theirs = backends["ct2"].generate(state, "", "", (0, 0), 4, options)
    check_candidates(ours, prefix)
    check_candidates(theirs, prefix)
    if not prefix:
        assert_same_candidates(ours[:1], theirs[:1], atol=ATOL)
    shared = dict(ours).keys() & dict(theirs).keys()
    assert all(abs(dict(ours)[t] - dict(theirs)[t]) <= ATOL for t in shared)
    tactics = [t for t, _ in ours[:2]] + [prefix]
    assert backends["torch"].score(state, tactics) == pytest.approx(
        backends["ct2"].score(state, tactics), abs=ATOL
    )


def test_blank_tactics_are_never_candidates() -> None:
    """CTranslate2 answers an input it cannot read with one empty hypothesis scored 0.0: a
    probability-1 empty tactic. No backend's ranking keeps a blank tactic."""
    from tacgen.generator.decoding import rank_candidates

    assert rank_candidates(["", " \n", "simp", "simp"], [0.0, -0.1, -2.0, -1.0]) == [("simp", -1.0)]


@pytest.mark.xfail(
    strict=True,
    reason="known, open: with a decoder prefix, CTranslate2's beam search can miss the best "
    "candidate that torch finds (here the prefix alone then eos, -26.80; found for other "
    "states, and its teacher-forced score agrees to 1e-6)",
)
def test_prefix_beam_search_finds_the_same_best_candidate(
    backends: dict[str, InferenceGenerator],
) -> None:
    options = GenerationOptions(prefix="孀")
    ours = backends["torch"].generate(" ", "", "", (0, 0), 4, options)
    theirs = backends["ct2"].generate(" ", "", "", (0, 0), 4, options)
    assert_same_candidates(ours, theirs, atol=ATOL)
