"""``GenerationOptions``: how candidates are searched for and filtered, on every backend.

This module, and the names it defines (``Candidates``, ``BACKENDS``, ...), import no
torch: the command line checks its arguments, and ``RemoteGenerator`` clients start, fast.

One score everywhere: a candidate's score is the sum of its token log-probabilities under
the model (temperature 1, eos included, a tactic prefix included), divided by
``length ** length_penalty`` (length in tokens, eos included; the default penalty 0 gives
the plain log-probability that best-first proof search needs).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from tacgen.core.errors import UsageError
from tacgen.core.records import Query, check_encodable

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
class Bounds:
    """The type and range of a numeric option: the one rule that :class:`GenerationOptions`,
    the command line (through it) and the server's schema (:meth:`schema`) enforce."""

    kind: type[int] | type[float]
    """``int`` (no bool, no float) or ``float`` (an int is accepted; finite only)."""
    low: float
    """The least value (excluded when ``low_open``)."""
    high: float | None = None
    """The greatest value (excluded when ``high_open``); None for no bound."""
    low_open: bool = False
    high_open: bool = False

    def describe(self) -> str:
        """The range as an interval, e.g. ``(0, 1]`` or ``[0, inf)``."""
        number = (lambda v: str(int(v))) if self.kind is int else (lambda v: f"{v:g}")
        high = "inf)" if self.high is None else number(self.high) + ")]"[not self.high_open]
        return "(["[not self.low_open] + number(self.low) + ", " + high

    def contains(self, value: float) -> bool:
        """Whether a number of the right type is in the range."""
        above = value > self.low if self.low_open else value >= self.low
        if self.high is None:
            return above
        return above and (value < self.high if self.high_open else value <= self.high)

    def check(self, name: str, value: Any) -> None:
        """Refuses a value of another type (a bool, a string, ``2.0`` for an int) or out of
        range (NaN and infinities included).

        Args:
            name: the option, for the message.
            value: its value.

        Raises:
            UsageError: naming the option and its range.
        """
        integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        real = integral or (isinstance(value, numbers.Real) and not isinstance(value, bool))
        if not (integral if self.kind is int else real):
            noun = "an int" if self.kind is int else "a number"
            raise UsageError(f"{name} must be {noun}, got {type(value).__name__} {value!r}")
        if not (integral or math.isfinite(value)) or not self.contains(value):
            raise UsageError(f"{name} must be in {self.describe()}, got {value}")

    def schema(self) -> dict[str, float]:
        """The range as pydantic ``Field`` keywords (``ge``/``gt``, ``le``/``lt``)."""
        out = {"gt" if self.low_open else "ge": self.low}
        if self.high is not None:
            out["lt" if self.high_open else "le"] = self.high
        return out


MAX_SEED = 2**31
"""Seeds are below this: what both backends accept (CTranslate2's takes no negative)."""

BOUNDS: dict[str, Bounds] = {
    "num_samples": Bounds(int, 1, MAX_NUM_SAMPLES),
    "temperature": Bounds(float, 0.01, 100.0),
    "top_k": Bounds(int, 0),
    "top_p": Bounds(float, 0.0, 1.0, low_open=True),
    "seed": Bounds(int, 0, MAX_SEED, high_open=True),
}
"""The range of every numeric option (the temperature's keeps ``logits / temperature``
finite in float16 and float32 alike)."""


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
        for name in ("temperature", "top_k", "top_p", "seed"):
            value = getattr(self, name)
            if value is not None or name != "seed":
                BOUNDS[name].check(name, value)
        if not isinstance(self.prefix, str):
            raise UsageError(f"prefix must be a string, got {type(self.prefix).__name__}")
        check_encodable(self.prefix, "prefix")
        if not isinstance(self.exclude_theorem_name, bool):
            kind = type(self.exclude_theorem_name).__name__
            raise UsageError(f"exclude_theorem_name must be a bool, got {kind}")
        if isinstance(self.banned_tactics, str):  # would ban each of its characters
            raise UsageError("banned_tactics must be a collection of tactics, got one string")
        banned = frozenset(self.banned_tactics)
        if not all(isinstance(tactic, str) for tactic in banned):
            raise UsageError("banned_tactics must hold strings")
        object.__setattr__(self, "banned_tactics", banned)

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


def check_num_samples(num_samples: int, name: str = "num_samples") -> None:
    """Refuses a candidate count outside ``[1, MAX_NUM_SAMPLES]``.

    Args:
        num_samples: candidates asked for per query.
        name: what the message calls it (the command line says ``--num-samples``).

    Raises:
        UsageError: for a non-int, or outside the bound.
    """
    BOUNDS["num_samples"].check(name, num_samples)


def prefix_fits(prefix: str, max_output_length: int) -> bool:
    """Whether a tactic may start with ``prefix``: it leaves room for one more token (eos)
    within ``max_output_length`` tokens. When it does not, no tactic does, and every backend
    answers no candidates.

    Args:
        prefix: the tactic prefix (one token per UTF-8 byte).
        max_output_length: the most tokens per tactic, eos included.

    Returns:
        True when the prefix has fewer bytes than ``max_output_length``.
    """
    return len(prefix.encode("utf-8")) < max_output_length


def _mentions(tactic: str, name: str) -> bool:
    # A Lean name as a whole identifier: not inside a longer one.
    return re.search(rf"(?<![\w.']){re.escape(name)}(?![\w'])", tactic) is not None


GIVE_UP_WORDS = ("sorry", "admit")
"""Tactics that close a goal without proving it: Lean accepts them with a warning, LeanDojo
answers ``ProofGivenUp``, and a proof using one is no proof."""

_GIVES_UP = re.compile(rf"(?<![\w.'])(?:{'|'.join(GIVE_UP_WORDS)})(?![\w'])")


def gives_up(tactic: str) -> bool:
    """Whether a tactic uses ``sorry`` or ``admit`` (as a word, not ``Foo.sorry_lemma``)."""
    return _GIVES_UP.search(tactic) is not None


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
