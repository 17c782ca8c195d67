"""``GenerationOptions``: how candidates are searched for and filtered, on every backend.

This module, and the names it defines (``Candidates``, ``BACKENDS``, ...), import no
torch: the command line checks its arguments, and ``RemoteGenerator`` clients start, fast.

One score everywhere: a candidate's score is the sum of its token log-probabilities under
the model (temperature 1, eos included, a tactic prefix included), divided by
``length ** length_penalty`` (length in tokens, eos included; the default penalty 0 gives
the plain log-probability that best-first proof search needs).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Literal

from tacgen.core.errors import UsageError
from tacgen.core.records import Query

Candidates = list[tuple[str, float]]
"""Tactics with their scores (log-probabilities), best first."""

BACKENDS = ("torch", "ct2")
"""The decoding backends ``load_generator`` offers."""

COMPUTE_TYPES = {
    "cpu": ("int8", "int8_float32", "float32"),
    "cuda": ("int8_float16", "bfloat16", "float32"),
}
"""What CTranslate2 may compute in, per device; the first is the default."""

QUANTIZATIONS = ("int8", "int8_float32", "bfloat16", "float32")
"""Weight types ``tacgen export --format ct2`` can write."""

MAX_NUM_SAMPLES = 512
"""The most candidates one query may ask for: beams and samples cost memory and time in
proportion (ReProver's prover asks for 64, Lean Copilot for 32)."""

Mode = Literal["beam", "sample"]


@dataclass(frozen=True)
class GenerationOptions:
    """Decoding mode, sampling parameters, tactic prefix and candidate filters."""

    mode: Mode = "beam"
    """``"beam"``: beam search with ``num_samples`` beams; ``"sample"``: ``num_samples``
    independent samples, duplicates merged (keeping the best score), so fewer may return."""
    temperature: float = 1.0
    """Sampling temperature (scores stay the model's own log-probabilities)."""
    top_k: int = 0
    """Sample from the k most likely tokens only; 0 for no limit."""
    top_p: float = 1.0
    """Sample from the smallest set of tokens whose probability reaches p; 1 for no limit."""
    seed: int | None = None
    """Seed of the sampler: the same seed gives the same samples. None draws afresh."""
    prefix: str = ""
    """Every tactic starts with this text (a decoder prefix, not extra input; the score
    covers the whole tactic). Lean Copilot sends what the user has typed."""
    banned_tactics: frozenset[str] = field(default_factory=frozenset)
    """Candidates whose tactic name (first word) is one of these are removed (Lean
    Copilot removes ``aesop``, whose checking can hang)."""
    exclude_theorem_name: bool = False
    """Remove candidates that mention the theorem's own name (what Lean Copilot filters)."""

    def __post_init__(self) -> None:
        if self.mode not in ("beam", "sample"):
            raise UsageError(f"mode must be 'beam' or 'sample', got {self.mode!r}")
        if not self.temperature > 0 or self.top_k < 0 or not 0 < self.top_p <= 1:
            raise UsageError(
                "need temperature > 0, top_k >= 0 and 0 < top_p <= 1, got "
                f"{self.temperature}, {self.top_k}, {self.top_p}"
            )
        if not isinstance(self.prefix, str):
            raise UsageError(f"prefix must be a string, got {type(self.prefix).__name__}")
        if isinstance(self.banned_tactics, str):  # would ban each of its characters
            raise UsageError("banned_tactics must be a collection of tactics, got one string")
        if not isinstance(self.banned_tactics, frozenset):
            object.__setattr__(self, "banned_tactics", frozenset(self.banned_tactics))

    @classmethod
    def from_attributes(cls, source: object) -> GenerationOptions:
        """The options named by attributes of ``source`` (parsed flags, an HTTP request).

        Args:
            source: any object with an attribute per field of this class.

        Returns:
            The options.
        """
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})

    @property
    def filters(self) -> bool:
        """Whether any candidate filter is on."""
        return bool(self.banned_tactics) or self.exclude_theorem_name


DEFAULT_OPTIONS = GenerationOptions()
"""Beam search, no prefix, no filters."""


def check_num_samples(num_samples: int) -> None:
    """Refuses a candidate count outside ``[1, MAX_NUM_SAMPLES]``.

    Args:
        num_samples: candidates asked for per query.

    Raises:
        UsageError: for a non-int, or outside the bound.
    """
    if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool):
        raise UsageError(f"num_samples must be an int, got {type(num_samples).__name__}")
    if not 1 <= num_samples <= MAX_NUM_SAMPLES:
        raise UsageError(f"num_samples must be in [1, {MAX_NUM_SAMPLES}], got {num_samples}")


def _mentions(tactic: str, name: str) -> bool:
    # A Lean name as a whole identifier: not inside a longer one.
    return re.search(rf"(?<![\w.']){re.escape(name)}(?![\w'])", tactic) is not None


def filter_candidates(
    candidates: Candidates, query: Query, options: GenerationOptions
) -> Candidates:
    """The candidates that pass the options' filters, in order.

    Args:
        candidates: ranked tactics of one query.
        query: the query (its theorem's name, for ``exclude_theorem_name``).
        options: the filters.

    Returns:
        The kept candidates.
    """
    if not options.filters:
        return candidates
    names: Sequence[str] = ()
    if options.exclude_theorem_name and query.full_name:
        names = {query.full_name, query.full_name.rsplit(".", 1)[-1]}  # type: ignore[assignment]
    kept = []
    for tactic, score in candidates:
        words = tactic.split(maxsplit=1)
        if words and words[0] in options.banned_tactics:
            continue
        if any(_mentions(tactic, name) for name in names):
            continue
        kept.append((tactic, score))
    return kept
