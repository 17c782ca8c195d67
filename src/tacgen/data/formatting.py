"""State and tactic formatting, exactly as ReProver's generator does it."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from tacgen.core.errors import ConfigError, MarkMismatchError
from tacgen.core.records import Premise

__all__ = [
    "MarkMismatchError",
    "build_model_input",
    "format_augmented_state",
    "format_state",
    "format_tactic",
    "normalize_spaces",
    "remove_marks",
]

_GOALS_PREFIX = re.compile(r"\d+ goals")
_MARK = re.compile(r"<a>(?P<ident>.+?)</a>")


def format_state(state: str) -> str:
    """Removes a leading ``"<N> goals"`` and strips the rest; other states are unchanged.

    Args:
        state: a pretty-printed Lean proof state.

    Returns:
        The formatted state.
    """
    # str.isdigit() accepts every character \d does (and more): a cheap prefilter.
    if not state[:1].isdigit():
        return state
    match = _GOALS_PREFIX.match(state)
    if match is None:
        return state
    return state[match.end() :].strip()


def normalize_spaces(text: str) -> str:
    """Turns every run of whitespace into one space and strips the ends."""
    # str.split() and re's \s agree on what whitespace is (both use str.isspace).
    return " ".join(text.split())


def remove_marks(text: str) -> str:
    """Removes every ``<a>`` and ``</a>``."""
    return text.replace("<a>", "").replace("</a>", "")


def format_tactic(annotated: str, provenance_names: Sequence[str], normalize: bool) -> str:
    """Formats a tactic, replacing the i-th marked identifier by the i-th provenance's name.

    Args:
        annotated: the tactic text, possibly with ``<a>ident</a>`` marks.
        provenance_names: the ``full_name`` of each provenance, in mark order.
        normalize: whether to collapse whitespace runs into single spaces first.

    Returns:
        The formatted tactic, marks kept.

    Raises:
        MarkMismatchError: when there are provenances and their count differs from the
            number of marks.
    """
    if normalize:
        annotated = normalize_spaces(annotated)
    if not provenance_names:
        return annotated
    # split() with one group alternates text and identifiers: [text, ident, text, ...].
    pieces = _MARK.split(annotated)
    marks = len(pieces) // 2
    if marks != len(provenance_names):
        raise MarkMismatchError(f"{marks} marks but {len(provenance_names)} provenances")
    pieces[1::2] = [f"<a>{name}</a>" for name in provenance_names]
    return "".join(pieces)


def format_augmented_state(
    state: str,
    premises: Sequence[Premise],
    max_length: int,
    premise_drop_prob: float,
    rng: random.Random | None = None,
) -> str:
    """Prepends retrieved premises to a state within a budget of UTF-8 bytes.

    Premises are visited best first. Each is skipped with probability
    ``premise_drop_prob``; one whose serialization plus ``"\\n\\n"`` would overflow the
    remaining budget is skipped (later, shorter ones may still fit). Accepted premises
    are prepended, so the best one ends up right before the state.

    Args:
        state: the formatted state.
        premises: retrieved premises, best first.
        max_length: the model's input budget in bytes; the premises get
            ``max_length - len(state.encode())`` of it.
        premise_drop_prob: probability of skipping each premise (0 outside training).
        rng: the random source for dropping; the module's when None.

    Returns:
        The model input: accepted premises, each followed by a blank line, then the state.
    """
    if not 0.0 <= premise_drop_prob <= 1.0:
        raise ConfigError(f"premise_drop_prob must be in [0, 1], got {premise_drop_prob}")
    draw = (rng or random).random
    budget = max_length - len(state.encode("utf-8"))
    used = 0
    accepted: list[str] = []
    for premise in premises:
        if premise_drop_prob > 0.0 and draw() < premise_drop_prob:
            continue
        text = premise.serialize() + "\n\n"
        size = len(text.encode("utf-8"))
        if used + size > budget:
            continue
        used += size
        accepted.append(text)
    accepted.reverse()
    accepted.append(state)
    return "".join(accepted)


def build_model_input(
    state: str,
    premises: Sequence[Premise] | None,
    max_input_length: int,
    keep_marks: bool = True,
    premise_drop_prob: float = 0.0,
    rng: random.Random | None = None,
) -> str:
    """The generator's model input: the one place it is built, in training, validation,
    prediction and generation alike.

    Args:
        state: the formatted proof state.
        premises: retrieved premises, best first; None (or empty) for no augmentation.
        max_input_length: the input budget in bytes (see :func:`format_augmented_state`).
        keep_marks: keep ``<a>…</a>`` around premise names; False removes every mark, as
            the targets of a ``keep_marks=False`` data module have none.
        premise_drop_prob: probability of skipping each premise (training only).
        rng: the random source for dropping; the module's when None.

    Returns:
        The input text (longer than the budget only when the state alone is).
    """
    if not premises:
        return state
    text = format_augmented_state(state, premises, max_input_length, premise_drop_prob, rng)
    return text if keep_marks else remove_marks(text)
