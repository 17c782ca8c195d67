"""Columnar storage for formatted examples: one UTF-8 blob per string column."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from tacgen.core.records import Example


def map_file(path: str) -> bytes | mmap.mmap:
    """Maps a file read-only (an empty file gives ``b""``, which mmap refuses)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _checked(index: int, length: int) -> int:
    """``index`` as a non-negative position (negative ones count from the end)."""
    position = index + length if index < 0 else index
    if not 0 <= position < length:
        raise IndexError(index)
    return position


class StringColumn(Sequence[str]):
    """Strings stored as one UTF-8 buffer plus offsets, so millions cost two objects."""

    def __init__(
        self, data: bytes | mmap.mmap, offsets: np.ndarray, source: str | None = None
    ) -> None:
        """Wraps an existing buffer.

        Args:
            data: all strings' UTF-8 bytes, concatenated (bytes, or a read-only mmap).
            offsets: int64 array of length n + 1; string i is data[offsets[i]:offsets[i+1]].
            source: the file ``data`` maps, if any (pickling reopens it instead of copying).
        """
        if offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(data):
            raise ValueError("offsets must start at 0 and end at the buffer's length")
        self.data = data
        self.offsets = offsets
        self.source = source

    def __getstate__(self) -> dict[str, object]:
        if self.source is not None:
            return {"data": None, "offsets": np.asarray(self.offsets), "source": self.source}
        return {"data": self.data, "offsets": np.asarray(self.offsets), "source": None}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.offsets = state["offsets"]  # type: ignore[assignment]
        self.source = state["source"]  # type: ignore[assignment]
        self.data = state["data"] if self.source is None else map_file(self.source)  # type: ignore[assignment]

    @classmethod
    def from_strings(cls, strings: Sequence[str]) -> StringColumn:
        """Builds a column from Python strings."""
        encoded = [s.encode("utf-8") for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(
            np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:]
        )
        return cls(b"".join(encoded), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, index: int) -> bytes:
        """The UTF-8 bytes of string ``index``."""
        return self.data[int(self.offsets[index]) : int(self.offsets[index + 1])]

    def byte_lengths(self) -> np.ndarray:
        """Length in bytes of every string, as an int64 array."""
        return np.diff(self.offsets)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.raw(_checked(index, len(self))).decode("utf-8")


@dataclass(frozen=True)
class ExampleTable(Sequence[Example]):
    """All examples of a split, column by column; indexing builds an ``Example``."""

    urls: StringColumn
    """Per theorem."""
    commits: StringColumn
    """Per theorem."""
    file_paths: StringColumn
    """Per theorem."""
    full_names: StringColumn
    """Per theorem."""
    starts: np.ndarray
    """(theorems, 2) int64 start positions."""
    theorem_of: np.ndarray
    """(examples,) int64 index of each example's theorem."""
    tactic_indices: np.ndarray
    """(examples,) int64 index of each example's tactic within its theorem."""
    states: StringColumn
    """Per example: the formatted state."""
    tactics: StringColumn
    """Per example: the formatted tactic."""
    provenances: StringColumn | None = None
    """Per example: its tactic's premise provenances as a JSON list (``keep_provenances``)."""
    states_after: StringColumn | None = None
    """Per example: the formatted state after its tactic (``keep_states_after``)."""

    def __post_init__(self) -> None:
        theorems = len(self.full_names)
        for name in ("urls", "commits", "file_paths"):
            if len(getattr(self, name)) != theorems:
                raise ValueError(
                    f"column {name} has {len(getattr(self, name))} rows, not {theorems}"
                )
        if self.starts.shape != (theorems, 2):
            raise ValueError(f"starts has shape {self.starts.shape}, expected ({theorems}, 2)")
        examples = len(self.states)
        for name in ("theorem_of", "tactic_indices", "tactics", "provenances", "states_after"):
            if getattr(self, name) is None:
                continue
            if len(getattr(self, name)) != examples:
                raise ValueError(
                    f"column {name} has {len(getattr(self, name))} rows, not {examples}"
                )

    def __len__(self) -> int:
        return len(self.states)

    @overload
    def __getitem__(self, index: int) -> Example: ...
    @overload
    def __getitem__(self, index: slice) -> list[Example]: ...
    def __getitem__(self, index: int | slice) -> Example | list[Example]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = _checked(index, len(self))
        theorem = int(self.theorem_of[index])
        return Example(
            url=self.urls[theorem],
            commit=self.commits[theorem],
            file_path=self.file_paths[theorem],
            full_name=self.full_names[theorem],
            start=(int(self.starts[theorem, 0]), int(self.starts[theorem, 1])),
            tactic_index=int(self.tactic_indices[index]),
            state=self.states[index],
            tactic=self.tactics[index],
        )

    def __iter__(self) -> Iterator[Example]:
        for i in range(len(self)):
            yield self[i]

    @property
    def num_theorems(self) -> int:
        """Number of theorems that have at least one example."""
        return len(self.full_names)


def concat_columns(columns: Sequence[StringColumn]) -> StringColumn:
    """One column holding the strings of ``columns`` in order."""
    if len(columns) == 1:
        return columns[0]
    shifts = np.cumsum([0] + [len(c.data) for c in columns[:-1]])
    offsets = np.concatenate(
        [np.asarray(columns[0].offsets[:1])]
        + [np.asarray(c.offsets[1:]) + shift for c, shift in zip(columns, shifts)]
    )
    return StringColumn(b"".join(bytes(c.data) for c in columns), offsets)


def concat_tables(tables: Sequence[ExampleTable]) -> ExampleTable:
    """One table holding the examples of ``tables`` in order."""
    if len(tables) == 1:
        return tables[0]
    theorem_shifts = np.cumsum([0] + [t.num_theorems for t in tables[:-1]])
    return ExampleTable(
        urls=concat_columns([t.urls for t in tables]),
        commits=concat_columns([t.commits for t in tables]),
        file_paths=concat_columns([t.file_paths for t in tables]),
        full_names=concat_columns([t.full_names for t in tables]),
        starts=np.concatenate([t.starts for t in tables]),
        theorem_of=np.concatenate([t.theorem_of + s for t, s in zip(tables, theorem_shifts)]),
        tactic_indices=np.concatenate([t.tactic_indices for t in tables]),
        states=concat_columns([t.states for t in tables]),
        tactics=concat_columns([t.tactics for t in tables]),
        provenances=_concat_optional([t.provenances for t in tables]),
        states_after=_concat_optional([t.states_after for t in tables]),
    )


def _concat_optional(columns: Sequence[StringColumn | None]) -> StringColumn | None:
    present = [c for c in columns if c is not None]
    return concat_columns(present) if present and len(present) == len(columns) else None
