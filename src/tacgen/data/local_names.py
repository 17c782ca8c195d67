"""Local names of a proof state, and renaming them: ``h₁ : p → q`` read as a name to copy.

A tactic refers to the hypotheses and variables its state declares (``exact ⟨hq, hp⟩``).
Two users of that fact live on top of this module:

* training-time augmentation (:func:`rename_locals`): an example's declared names are
  replaced, consistently in its state, tactic and earlier tactics, by fresh names of the
  same kind, so that a small model learns to copy names from the state instead of
  memorising the names of its training theorems;
* the prover's library renamings (``tacgen.prover.renamings``): library tactics read as
  templates and instantiated with a new state's names.

A *local-name-like* identifier (:data:`NAME`) is ``h`` followed by up to three letters,
digits, subscripts or primes (``h``, ``hp``, ``h₁``, ``hab'``), ``ih`` likewise, or one
letter with an optional digit or prime (``x``, ``n'``). It is never preceded by a dot
(``Foo.h`` is qualified), part of a premise mark (``<a>…</a>``) nor a goal tag (``case
h``), and may precede a projection (``hpq.1``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

NAME = r"(?:h[a-z0-9₀-₉']{0,3}|ih[a-z0-9₀-₉']{0,2}|[a-z][0-9₀-₉']?)"
"""A local-name-like identifier (a regular expression)."""

# Not after a dot (qualified), nor in a premise mark, nor a goal tag (``case h``, in a
# state and in a tactic alike: a tag names a goal, not a hypothesis).
_IDENTIFIER = re.compile(rf"(?<![\w.'₀-₉<])(?<!</)(?<!case ){NAME}(?![\w'₀-₉>])")
_NAME_ONLY = re.compile(NAME)
_KEYWORDS = frozenset({"have", "hide", "at", "by", "do", "fun", "in", "if", "is"})
_DECLARATION = re.compile(r"^([^\s:⊢][^:]*?) : ")
_WORD = re.compile(r"[\w'₀-₉]+")

# Fresh names by kind, in the style of Lean sources (Mathlib's naming conventions).
_HYPOTHESES = (
    "h", "h'", "h₀", "h₁", "h₂", "h₃", "hp", "hq", "hr", "hs", "ha", "hb", "hc", "hn", "hm",
    "hx", "hy", "hz", "hab", "hpq", "hqr", "hnp", "hxy", "hk", "hf", "hg", "hl",
)  # fmt: skip
_INDUCTION = ("ih", "ih'", "ih₁", "ih₂", "ihn", "ihl")
_VARIABLES = (*"abcdefgklmnpqrstuvwxyz", "a'", "b'", "n'", "m'", "x'", "y'", "x₁", "x₂")


def placeholders(tactic: str) -> list[str]:
    """The distinct local-name-like identifiers of a tactic, in order of appearance."""
    found = (m.group(0) for m in _IDENTIFIER.finditer(tactic))
    return list(dict.fromkeys(n for n in found if n not in _KEYWORDS))


def local_names(state: str) -> list[str]:
    """The names a pretty-printed state declares (``a b : Nat``), first seen first; hidden
    names (``inst✝``) are left out."""
    names: list[str] = []
    for line in state.splitlines():
        match = _DECLARATION.match(line)
        if match is None:  # the goal, a goal tag (``case inl``), a continued line
            continue
        names.extend(n for n in match.group(1).split() if "✝" not in n)
    return list(dict.fromkeys(names))


def rename(text: str, mapping: Mapping[str, str]) -> str:
    """``text`` with each local-name-like identifier of ``mapping`` replaced, all at once."""
    return _IDENTIFIER.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def _pool(name: str) -> tuple[str, ...]:
    if name.startswith("ih"):
        return _INDUCTION
    return _HYPOTHESES if name.startswith("h") else _VARIABLES


def fresh_names(state: str, texts: Sequence[str], rng: random.Random) -> dict[str, str]:
    """A random injective renaming of the state's renamable declared names.

    Each declared local-name-like name (:func:`local_names` that match :data:`NAME`) gets a
    name of its kind (hypothesis, induction hypothesis, variable) that occurs nowhere in
    ``state`` or ``texts`` as a word, so no renamed name can capture another. A name
    whose kind has no free name left keeps its own (the mapping leaves it out).

    Args:
        state: the pretty-printed state.
        texts: the other texts the renaming will apply to (tactics).
        rng: the draws.

    Returns:
        The mapping, old name to new name.
    """
    words = set(_WORD.findall(state))
    for text in texts:
        words.update(_WORD.findall(text))
    declared = [n for n in local_names(state) if _NAME_ONLY.fullmatch(n) and n not in _KEYWORDS]
    mapping: dict[str, str] = {}
    for name in declared:
        free = [c for c in _pool(name) if c not in words]
        if free:
            new = rng.choice(free)
            mapping[name] = new
            words.add(new)
    return mapping


def rename_locals(
    state: str, tactic: str, proof_before: Sequence[str], rng: random.Random
) -> tuple[str, str, tuple[str, ...]]:
    """One example with its state's declared names renamed to fresh ones (an alpha-renaming
    of the local context: the proof stays a proof of the renamed state).

    Args:
        state: the state (without premises).
        tactic: the target tactic.
        proof_before: the theorem's earlier tactics.
        rng: the draws.

    Returns:
        The renamed state, tactic and earlier tactics.
    """
    mapping = fresh_names(state, (tactic, *proof_before), rng)
    if not mapping:
        return state, tactic, tuple(proof_before)
    renamed = tuple(rename(t, mapping) for t in proof_before)
    return rename(state, mapping), rename(tactic, mapping), renamed
