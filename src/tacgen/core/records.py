"""Typed records shared by every layer: positions, premises, examples and generation queries.

This module imports neither torch nor Lightning: batches live with the code that makes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tacgen.core.errors import PositionError, RecordError, UsageError

Position = tuple[int, int]
"""A (line, column) pair, 1-based lines as in LeanDojo."""


def as_position(value: Any, what: str = "position") -> Position:
    """Checks that ``value`` is a (line, column) pair of ints and returns it as a tuple.

    Args:
        value: a list or tuple of two ints.
        what: the name used in the error message.

    Returns:
        The pair as a tuple.

    Raises:
        PositionError: when ``value`` is not a pair of non-negative ints.
    """
    if type(value) is list and len(value) == 2:  # the JSON shape first: this runs per premise
        line, column = value
        if type(line) is int and type(column) is int and line >= 0 and column >= 0:
            return (line, column)
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        return (value[0], value[1])
    raise PositionError(f"{what} must be a [line, column] pair of non-negative ints, got {value!r}")


@dataclass(frozen=True, slots=True)
class Example:
    """One traced tactic of a theorem, formatted as ReProver's generator formats it."""

    url: str
    """Repository URL of the theorem."""
    commit: str
    """Commit of the traced repository."""
    file_path: str
    """Lean file of the theorem, relative to the repository root."""
    full_name: str
    """Fully qualified name of the theorem."""
    start: Position
    """(line, column) where the theorem starts."""
    tactic_index: int
    """Index of this tactic among the theorem's traced tactics."""
    state: str
    """The formatted proof state before the tactic (no retrieved premises)."""
    tactic: str
    """The formatted target tactic (with or without <a>...</a> marks)."""

    def __post_init__(self) -> None:
        if self.tactic_index < 0:
            raise RecordError(f"tactic_index must be >= 0, got {self.tactic_index}")


def _premise_name_pattern(suffix: str) -> re.Pattern[str]:
    # A name counts when it follows whitespace, optionally wrapped in «».
    return re.compile(r"(?<=\s)«?" + re.escape(suffix) + "»?")


@dataclass(frozen=True, slots=True)
class Premise:
    """A premise (definition, lemma, ...) of the corpus."""

    path: str
    """Lean file that defines the premise."""
    full_name: str
    """Fully qualified name."""
    start: Position
    """(line, column) where the definition starts."""
    end: Position
    """(line, column) where the definition ends."""
    code: str
    """The definition's source code."""

    def __post_init__(self) -> None:
        if not self.full_name:
            raise RecordError(f"premise in {self.path!r} has an empty full_name")
        object.__setattr__(self, "start", as_position(self.start, f"start of {self.full_name}"))
        object.__setattr__(self, "end", as_position(self.end, f"end of {self.full_name}"))
        if self.start > self.end:
            raise RecordError(
                f"premise {self.full_name} in {self.path}: start {self.start} after end {self.end}"
            )

    def serialize(self) -> str:
        """The premise as the model sees it: its code with its full name wrapped in marks.

        ``_root_.<full_name>`` becomes ``<a><full_name></a>``; then the dotted suffixes of
        the full name are tried from longest to shortest, and the first one found right
        after whitespace (optionally inside «») has all such occurrences marked.

        Returns:
            The serialized premise.
        """
        marked = f"<a>{self.full_name}</a>"
        code = self.code.replace(f"_root_.{self.full_name}", marked)
        parts = self.full_name.split(".")
        for i in range(len(parts)):
            suffix = ".".join(parts[i:])
            if suffix not in code:  # the pattern needs the literal suffix: skip compiling it
                continue
            new_code, count = _premise_name_pattern(suffix).subn(marked, code)
            if count:
                return new_code
        return code


@dataclass(frozen=True, slots=True)
class Query:
    """One request for tactics: a proof state and where its theorem is.

    ``file_path``, ``full_name`` and ``position`` matter only to a premise retriever
    (they decide which premises are accessible); without one they may stay empty.
    """

    state: str
    """The pretty-printed proof state."""
    file_path: str = ""
    """Lean file of the theorem."""
    full_name: str = ""
    """Fully qualified name of the theorem."""
    position: Position = (0, 0)
    """(line, column) where the theorem starts."""
    imports: tuple[str, ...] = ()
    """Lean modules the theorem's header imports (``Mathlib``, ``Mathlib.Data.Nat.Basic``),
    for a theorem whose file is not in the retriever's corpus (a REPL statement): its
    accessible premises are then those of these modules, transitively."""
    proof_before: tuple[str, ...] = ()
    """The tactics applied so far on the search path from the theorem's root, root first:
    prompt templates of causal step provers show them (InternLM2.5-StepProver's
    ``PROOF_BEFORE``); seq2seq generators ignore them."""

    def __post_init__(self) -> None:
        for name in ("state", "file_path", "full_name"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise RecordError(f"{name} must be a string, got {type(value).__name__}")
        check_encodable(self.state, "state")
        object.__setattr__(self, "position", as_position(self.position, "position"))
        imports = tuple(self.imports)
        if not all(isinstance(m, str) and m for m in imports):
            raise RecordError(f"imports must be non-empty module names, got {self.imports!r}")
        object.__setattr__(self, "imports", imports)
        proof_before = tuple(self.proof_before)
        if not all(isinstance(t, str) for t in proof_before):
            raise RecordError(f"proof_before must be tactics, got {self.proof_before!r}")
        object.__setattr__(self, "proof_before", proof_before)


def check_encodable(text: str, name: str) -> None:
    """Refuses text that has no UTF-8 form (a lone surrogate, e.g. from JSON ``"\\ud800"``):
    the byte-level model cannot read it.

    Args:
        text: a state, prefix or tactic.
        name: what it is, for the message.

    Raises:
        RecordError: naming the first character without a UTF-8 form.
    """
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RecordError(
            f"{name} is not valid Unicode: {error.reason} at character {error.start}"
        ) from None


def make_queries(
    states: Sequence[str],
    file_paths: Sequence[str],
    theorem_full_names: Sequence[str],
    theorem_positions: Sequence[Position],
) -> list[Query]:
    """Zips ReProver-style parallel lists into queries (the public edge of generation).

    Args:
        states: the proof states.
        file_paths: for each state, the Lean file of its theorem.
        theorem_full_names: for each state, the theorem's full name.
        theorem_positions: for each state, the theorem's (line, column).

    Returns:
        One :class:`Query` per state.

    Raises:
        UsageError: when the lists differ in length, or ``states`` is one string.
    """
    if isinstance(states, str):  # would be read as one state per character
        raise UsageError("states must be a list of strings, got one string")
    n = len(states)
    if not len(file_paths) == len(theorem_full_names) == len(theorem_positions) == n:
        raise UsageError(
            f"give one file path, name and position per state: {n} states but "
            f"{len(file_paths)} file paths, {len(theorem_full_names)} names and "
            f"{len(theorem_positions)} positions"
        )
    return [
        Query(state, path, name, pos)
        for state, path, name, pos in zip(states, file_paths, theorem_full_names, theorem_positions)
    ]
