"""The premise corpus: Lean files, their imports, their premises, and who may use which.

A corpus file is LeanDojo's ``corpus.jsonl`` (one Lean file per line: ``path``, ``imports``,
``premises`` with ``full_name``, ``code``, ``start``, ``end``) or a ``.json`` list of such
entries. Rules (documented decisions):

* Premises with no (or an empty) ``full_name`` or with empty/blank ``code`` are dropped and
  counted in :attr:`Corpus.dropped_premises` (and logged); every other malformed field is a
  :class:`CorpusError` naming the corpus file, the line (or list entry), the Lean file and
  the field.
* A file's premises are sorted by ``(start, end)``; they may not overlap, except that several
  premises may share one identical span (LeanDojo gives every name of a ``mutual`` block or
  an ``alias ⟨a, b⟩`` the block's span). Hence ends are sorted too, which makes the
  "ends at or before the theorem" cut a binary search.
* Imports must name corpus files exactly; an unknown import or an import cycle is an error
  naming the file (``unknown_imports="drop"`` drops unknown imports instead, for partial
  corpora such as a single-file sample).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tacgen.core.errors import UnknownFileError
from tacgen.core.records import Position, Premise, as_position
from tacgen.data.accessible import AccessibleSet
from tacgen.data.corpus_file import (
    CorpusError,
    RawFile,
    parse_entry,
    read_entries,
    topological_order,
)

logger = logging.getLogger(__name__)

_LAKE_PREFIX = ".lake/packages/"


def _key(pos: Position) -> int:
    # One sortable int per (line, column): columns stay far below 2**32.
    return (pos[0] << 32) | pos[1]


class Corpus:
    """All premises of a traced repository, with cheap per-theorem accessibility.

    Attributes:
        path: the corpus file.
        fingerprint: sha256 (hex) of the corpus file's bytes, stamped into index files.
        files: the Lean files, imports before importers.
        premises: the kept premises, grouped by file in ``files`` order, by position within
            a file.
        premise_file: (premises,) int32 index in ``files`` of each premise's file.
        dropped_premises: premises dropped for no full name or empty code.
        dropped_imports: unknown imports dropped (only with ``unknown_imports="drop"``).
    """

    def __init__(
        self, path: str | Path, unknown_imports: Literal["error", "drop"] = "error"
    ) -> None:
        """Reads and checks a corpus.

        Args:
            path: ``corpus.jsonl`` (one Lean file per line) or a ``.json`` list of entries.
            unknown_imports: ``"error"`` (default) makes an import of a file missing from the
                corpus an error; ``"drop"`` ignores such imports (counted in
                ``dropped_imports``), for partial corpora.

        Raises:
            CorpusError: on malformed input, an unknown import or an import cycle.
        """
        self.path = Path(path)
        data = self.path.read_bytes()
        self.fingerprint: str = hashlib.sha256(data).hexdigest()
        raws = [parse_entry(self.path, w, o) for w, o in read_entries(self.path, data)]
        imports, self.dropped_imports = self._resolve_imports(raws, unknown_imports)
        order = topological_order(self.path, raws, imports)
        self.files: list[str] = [raws[i].path for i in order]
        self._file_index = {p: i for i, p in enumerate(self.files)}
        self.premises: list[Premise] = [p for i in order for p in raws[i].premises]
        self._index_premises([len(raws[i].premises) for i in order])
        rank = {old: new for new, old in enumerate(order)}
        self._closure = self._transitive_closure([[rank[j] for j in imports[i]] for i in order])
        self._aliases: dict[str, list[str]] | None = None
        self.dropped_premises: int = sum(r.dropped for r in raws)
        if self.dropped_premises:
            logger.warning(
                "%s: dropped %d premises with no full_name or empty code",
                self.path,
                self.dropped_premises,
            )

    def _index_premises(self, file_sizes: list[int]) -> None:
        # File ranges, positions as sortable keys, and (file, name) -> premise.
        sizes = np.array(file_sizes, dtype=np.int64)  # (files,)
        self._file_hi = np.cumsum(sizes)  # (files,)
        self._file_lo = self._file_hi - sizes  # (files,)
        files = np.arange(len(sizes), dtype=np.int32)
        self.premise_file: np.ndarray = np.repeat(files, sizes)  # (premises,)
        self._start_keys = np.array([_key(p.start) for p in self.premises], dtype=np.int64)
        self._end_keys = np.array([_key(p.end) for p in self.premises], dtype=np.int64)
        self._names = {
            (f, p.full_name): i
            for i, (f, p) in enumerate(zip(self.premise_file.tolist(), self.premises))
        }

    def _resolve_imports(self, raws: list[RawFile], unknown: str) -> tuple[list[list[int]], int]:
        index: dict[str, int] = {}
        for i, raw in enumerate(raws):
            if raw.path in index:
                first = raws[index[raw.path]].where
                raise CorpusError(
                    f"{self.path}: {raw.where} (Lean file {raw.path!r}): field path: "
                    f"the file appears twice (first at {first})"
                )
            index[raw.path] = i
        resolved, dropped = [], 0
        for raw in raws:
            missing = [p for p in raw.imports if p not in index]
            if missing and unknown != "drop":
                raise CorpusError(
                    f"{self.path}: {raw.where} (Lean file {raw.path!r}): field imports: "
                    f"unknown import {missing[0]!r} (not a file of the corpus)"
                )
            dropped += len(missing)
            resolved.append(sorted({index[p] for p in raw.imports if p in index}))
        return resolved, dropped

    @staticmethod
    def _transitive_closure(imports: list[list[int]]) -> np.ndarray:
        # Files are in topological order, so every import's row is final before its importers.
        n = len(imports)
        closure = np.zeros((n, (n + 7) // 8), dtype=np.uint8)  # (files, packed files)
        for i, direct in enumerate(imports):
            if not direct:
                continue
            idx = np.asarray(direct, dtype=np.int64)
            row = np.bitwise_or.reduce(closure[idx], axis=0)
            np.bitwise_or.at(row, idx >> 3, (1 << (idx & 7)).astype(np.uint8))
            closure[i] = row
        return closure

    def __len__(self) -> int:
        return len(self.premises)

    def _find(self, path: str) -> int | None:
        # File index of ``path`` (exact or aliased), None when absent or ambiguous.
        try:
            return self._file_index[self.resolve_path(path)]
        except KeyError:
            return None

    def _alias_table(self) -> dict[str, list[str]]:
        if self._aliases is None:
            aliases: dict[str, list[str]] = {}
            for path in self.files:
                if path.startswith(_LAKE_PREFIX):
                    parts = path[len(_LAKE_PREFIX) :].split("/")
                    # Every proper suffix after the package folder: "Mathlib/X.lean",
                    # "Init/Prelude.lean" (below ".lake/packages/lean4/src/lean/"), ...
                    for i in range(1, len(parts)):
                        aliases.setdefault("/".join(parts[i:]), []).append(path)
            self._aliases = aliases
        return self._aliases

    def resolve_path(self, path: str) -> str:
        """The corpus path of a Lean file, allowing for ``.lake/packages/<pkg>/`` prefixes.

        Args:
            path: a corpus path, or a repo-relative path such as ``Mathlib/X.lean`` that one
                corpus path ``.lake/packages/<pkg>/.../Mathlib/X.lean`` ends with, or a
                ``.lake/packages/<pkg>/P`` path whose ``P`` is a corpus path.

        Returns:
            The corpus path.

        Raises:
            KeyError: when no corpus file, or more than one, matches.
        """
        if path in self._file_index:
            return path
        candidates = self._alias_table().get(path, [])
        if path.startswith(_LAKE_PREFIX):
            inner = path[len(_LAKE_PREFIX) :].partition("/")[2]
            candidates = [*candidates, inner] if inner in self._file_index else candidates
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise UnknownFileError(
                f"Lean file {path!r} is ambiguous in corpus {self.path}: {candidates}"
            )
        raise UnknownFileError(f"Lean file {path!r} is not in corpus {self.path}")

    def file_range(self, path: str) -> tuple[int, int]:
        """The premise indices ``[lo, hi)`` of a Lean file.

        Args:
            path: the Lean file (see :meth:`resolve_path`).

        Returns:
            ``(lo, hi)``.
        """
        f = self._file_index[self.resolve_path(path)]
        return int(self._file_lo[f]), int(self._file_hi[f])

    def accessible(self, path: str, pos: Position) -> AccessibleSet:
        """The premises a theorem at ``pos`` of ``path`` may use.

        Those of every file that ``path`` imports transitively, and those of ``path`` itself
        that end at or before ``pos``. Costs O(files / 8 + log premises), not O(premises).

        Args:
            path: the theorem's Lean file (see :meth:`resolve_path`).
            pos: the theorem's start (line, column).

        Returns:
            The accessible set.
        """
        f = self._file_index[self.resolve_path(path)]
        key = _key(as_position(pos, "theorem position"))
        lo, hi = int(self._file_lo[f]), int(self._file_hi[f])
        cut = lo + int(np.searchsorted(self._end_keys[lo:hi], key, side="right"))
        bits = np.unpackbits(self._closure[f], count=len(self.files), bitorder="little")
        return AccessibleSet(
            bits.view(np.bool_), self._file_lo, self._file_hi, self.premise_file, f, cut
        )

    def module_file(self, module: str) -> str:
        """The corpus file of a Lean module (``Mathlib.Data.Nat.Basic``).

        Args:
            module: a module name, as ``import`` names it.

        Returns:
            Its corpus path (``Mathlib/Data/Nat/Basic.lean``, or one below
            ``.lake/packages/<pkg>/``; see :meth:`resolve_path`).

        Raises:
            UnknownFileError: when the corpus has no such file (or several).
        """
        try:
            return self.resolve_path(module.replace(".", "/") + ".lean")
        except UnknownFileError as error:
            raise UnknownFileError(f"imported module {module!r}: {error}") from None

    def accessible_by_imports(self, modules: Sequence[str]) -> AccessibleSet:
        """The premises of a file outside the corpus that imports ``modules``.

        Every premise of the modules' files and of the files they import, transitively;
        ``Init`` counts as imported when the corpus has it (Lean 4 imports it implicitly).

        Args:
            modules: the module names of the file's ``import`` lines (at least one).

        Returns:
            The accessible set (no own-file prefix: the file is not in the corpus).

        Raises:
            UnknownFileError: when an imported module is not a corpus file.
        """
        if not modules:
            raise UnknownFileError("no imported modules to take accessible premises from")
        files = [self._file_index[self.module_file(m)] for m in modules]
        init = self._find("Init.lean")
        if init is not None:
            files.append(init)
        mask = np.zeros(len(self.files), dtype=np.bool_)  # (files,)
        for f in files:
            mask |= np.unpackbits(self._closure[f], count=len(self.files), bitorder="little").view(
                np.bool_
            )
            mask[f] = True
        own = files[0]
        lo = int(self._file_lo[own])
        return AccessibleSet(mask, self._file_lo, self._file_hi, self.premise_file, own, lo)

    def accessible_to(self, path: str, pos: Position, imports: Sequence[str] = ()) -> AccessibleSet:
        """The premises a theorem may use: :meth:`accessible` when ``path`` is a corpus file,
        else :meth:`accessible_by_imports` of its header's ``imports`` (a REPL statement).

        Args:
            path: the theorem's file.
            pos: its start (line, column).
            imports: the modules its header imports (used only when ``path`` is not in the
                corpus).

        Returns:
            The accessible set.

        Raises:
            UnknownFileError: when ``path`` is not in the corpus and there are no imports,
                or an import is not in it.
        """
        if imports and self._find(path) is None and path not in self._alias_table():
            return self.accessible_by_imports(imports)
        return self.accessible(path, pos)

    def get_accessible_premises(self, path: str, pos: Position) -> list[Premise]:
        """The accessible premises (see :meth:`accessible`), in corpus order.

        Args:
            path: the theorem's Lean file.
            pos: the theorem's start (line, column).

        Returns:
            The premises.
        """
        return [self.premises[i] for i in self.accessible(path, pos).indices()]

    def locate(self, def_path: str, def_pos: Position) -> int | None:
        """The premise of ``def_path`` whose ``[start, end]`` contains ``def_pos``.

        Args:
            def_path: a Lean file (see :meth:`resolve_path`).
            def_pos: a (line, column) in it.

        Returns:
            The premise index (the first of a shared span), or None when there is none or
            the file is not in the corpus.
        """
        f = self._find(def_path)
        if f is None:
            return None
        lo, hi = int(self._file_lo[f]), int(self._file_hi[f])
        key = _key(as_position(def_pos, "def_pos"))
        i = lo + int(np.searchsorted(self._start_keys[lo:hi], key, side="right")) - 1
        if i < lo or self._end_keys[i] < key:
            return None
        return lo + int(np.searchsorted(self._start_keys[lo:hi], self._start_keys[i]))

    def locate_provenances(self, provenances: Sequence[Mapping[str, Any]]) -> tuple[list[int], int]:
        """Finds the premises that tactic provenances name.

        A provenance (``full_name``, ``def_path``, ``def_pos``) is found by its name in its
        file, else by :meth:`locate` at ``def_pos``. Malformed or unknown ones are counted.

        Args:
            provenances: LeanDojo provenances of an annotated tactic.

        Returns:
            ``(indices, not_found)``: the premise indices found (in order, without repeats)
            and how many provenances were not found.
        """
        found: list[int] = []
        missing = 0
        for prov in provenances:
            index = None
            try:
                f = self._find(prov["def_path"])
                if f is not None:
                    index = self._names.get((f, prov.get("full_name", "")))
                    if index is None:
                        index = self.locate(prov["def_path"], prov["def_pos"])
            except (KeyError, TypeError, ValueError):
                index = None
            if index is None:
                missing += 1
            elif index not in found:
                found.append(index)
        return found, missing
