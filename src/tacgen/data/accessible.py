"""The premises one theorem may use, as a set cheap to test and to list.

:class:`AccessibleSet` is what :meth:`tacgen.data.corpus.Corpus.accessible` returns: whole
files (those imported, transitively) plus a prefix of the theorem's own file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class AccessibleSet:
    """The premises one theorem may use: whole imported files plus a prefix of its own file."""

    file_mask: np.ndarray
    """(files,) bool: files imported (transitively) by the theorem's file."""
    file_lo: np.ndarray
    """(files,) int64: first premise index of each file."""
    file_hi: np.ndarray
    """(files,) int64: one past the last premise index of each file."""
    premise_file: np.ndarray
    """(premises,) int32: file index of each premise."""
    own_file: int
    """File index of the theorem's own file."""
    own_hi: int
    """Premises ``[file_lo[own_file], own_hi)`` of the own file end before the theorem."""
    _count: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        files = self.file_mask.shape[0]
        if self.file_lo.shape != (files,) or self.file_hi.shape != (files,):
            raise ValueError(f"file_lo/file_hi must have shape ({files},)")
        if not 0 <= self.own_file < files:
            raise ValueError(f"own_file {self.own_file} is not a file index (< {files})")
        lo, hi = int(self.file_lo[self.own_file]), int(self.file_hi[self.own_file])
        if not lo <= self.own_hi <= hi:
            raise ValueError(f"own_hi {self.own_hi} outside its file's range [{lo}, {hi})")
        whole = int((self.file_hi - self.file_lo)[self.file_mask].sum())
        object.__setattr__(self, "_count", whole + self.own_hi - lo)

    def __len__(self) -> int:
        return self._count

    def mask(self, indices: np.ndarray) -> np.ndarray:
        """Which of the given premise indices are accessible.

        Args:
            indices: premise indices, any shape, each in ``[0, premises)``.

        Returns:
            A bool array of the same shape.
        """
        idx = np.asarray(indices, dtype=np.int64)
        files = self.premise_file[idx]
        own = (files == self.own_file) & (idx < self.own_hi)
        return self.file_mask[files] | own

    def indices(self) -> np.ndarray:
        """All accessible premise indices, sorted ascending (int64)."""
        files = np.flatnonzero(self.file_mask)
        lo = np.append(self.file_lo[files], self.file_lo[self.own_file])  # (ranges,)
        hi = np.append(self.file_hi[files], self.own_hi)  # (ranges,)
        order = np.argsort(lo, kind="stable")
        lo, hi = lo[order], hi[order]
        lengths = hi - lo
        offsets = np.cumsum(lengths) - lengths  # (ranges,) output position of each range
        return np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(lo - offsets, lengths)
