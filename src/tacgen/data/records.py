"""Typed records shared by every layer: positions, examples, premises and batches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

import torch

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
        ValueError: when ``value`` is not a pair of non-negative ints.
    """
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        return (value[0], value[1])
    raise ValueError(f"{what} must be a [line, column] pair of non-negative ints, got {value!r}")


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
            raise ValueError(f"tactic_index must be >= 0, got {self.tactic_index}")


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
            raise ValueError(f"premise in {self.path!r} has an empty full_name")
        object.__setattr__(self, "start", as_position(self.start, f"start of {self.full_name}"))
        object.__setattr__(self, "end", as_position(self.end, f"end of {self.full_name}"))
        if self.start > self.end:
            raise ValueError(
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
class GeneratorItem:
    """One example as the generator sees it: the model input and the target."""

    example: Example
    """The stored, un-augmented example."""
    state: str
    """Model input: retrieved premises (if any) followed by the state."""
    tactic: str
    """Target tactic."""


@dataclass(frozen=True)
class Batch:
    """A collated batch; fields are also reachable by name (``batch["state_ids"]``)."""

    state: tuple[str, ...]
    """Model input strings."""
    tactic: tuple[str, ...]
    """Target tactic strings."""
    state_ids: torch.Tensor
    """(batch, input_len) int64 token ids, padded with 0."""
    state_mask: torch.Tensor
    """(batch, input_len) int64 attention mask."""
    tactic_ids: torch.Tensor
    """(batch, output_len) int64 target ids, padding set to -100."""
    tactic_mask: torch.Tensor
    """(batch, output_len) int64 target mask."""
    examples: tuple[Example, ...]
    """The stored examples (metadata: file_path, full_name, start, ...)."""

    def __post_init__(self) -> None:
        n = len(self.state)
        for name in ("tactic", "examples"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"batch field {name} has {len(getattr(self, name))} rows, not {n}")
        for name in ("state_ids", "state_mask", "tactic_ids", "tactic_mask"):
            tensor = getattr(self, name)
            if tensor.dim() != 2 or tensor.shape[0] != n:
                raise ValueError(
                    f"batch field {name} has shape {tuple(tensor.shape)}, batch is {n}"
                )

    def __len__(self) -> int:
        return len(self.state)

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> list[str]:
        """Names of the batch fields, as for a dict."""
        return [f.name for f in fields(self)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def to(self, device: torch.device | str, non_blocking: bool = False) -> Batch:
        """A copy with the tensors moved to ``device``."""
        return replace(
            self,
            **{
                name: getattr(self, name).to(device, non_blocking=non_blocking)
                for name in ("state_ids", "state_mask", "tactic_ids", "tactic_mask")
            },
        )

    def pin_memory(self) -> Batch:
        """A copy with the tensors in pinned memory (called by DataLoader's pin_memory)."""
        return replace(
            self,
            **{
                name: getattr(self, name).pin_memory()
                for name in ("state_ids", "state_mask", "tactic_ids", "tactic_mask")
            },
        )
