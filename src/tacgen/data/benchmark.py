"""Reading LeanDojo Benchmark 4 split files into formatted examples.

A split file is a JSON list of theorems (``url, commit, file_path, full_name, start,
end, traced_tactics``); each traced tactic (``tactic, annotated_tactic?, state_before,
state_after``) becomes one example, in file order.

Theorems with an empty ``traced_tactics`` yield no example; they are counted in
``LoadStats.theorems_without_tactics``. Every other problem is a ``BenchmarkFormatError``
naming the file, the theorem and the field.
"""

from __future__ import annotations

import gc
import itertools
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from tacgen.core.errors import BenchmarkFormatError, MarkMismatchError, PositionError
from tacgen.core.records import as_position
from tacgen.data.columns import ExampleTable, StringColumn, concat_tables
from tacgen.data.formatting import format_state, format_tactic, remove_marks
from tacgen.data.jsonscan import JsonScanError, element_spans, guess_element_spans
from tacgen.data.split_errors import parse_error, whole_file_error

__all__ = ["BenchmarkFormatError", "FormatOptions", "LoadStats", "parse_split", "read_split_bytes"]

logger = logging.getLogger(__name__)

_THEOREM_STRING_FIELDS = ("url", "commit", "file_path", "full_name")
_PARALLEL_MIN_BYTES = 16 * 2**20


@dataclass(frozen=True)
class FormatOptions:
    """How tactics are formatted; part of the cache key."""

    keep_marks: bool = True
    """Keep ``<a>…</a>`` around premise names in tactics."""
    normalize_tactics: bool = True
    """Collapse whitespace runs in tactics into single spaces."""
    keep_provenances: bool = False
    """Keep each tactic's premise provenances as JSON (what retriever training needs)."""
    keep_states_after: bool = False
    """Keep each tactic's formatted ``state_after`` (what the replay environment needs)."""


@dataclass(frozen=True)
class LoadStats:
    """What loading a split found."""

    theorems: int
    """Theorems in the file."""
    theorems_without_tactics: int
    """Theorems skipped because their ``traced_tactics`` is empty."""
    examples: int
    """Examples produced (one per traced tactic)."""


@dataclass
class _Columns:
    urls: list[str]
    commits: list[str]
    file_paths: list[str]
    full_names: list[str]
    starts: list[tuple[int, int]]
    theorem_of: list[int]
    tactic_indices: list[int]
    states: list[str]
    tactics: list[str]
    provenances: list[str] | None
    states_after: list[str] | None


class _GuessedSpanError(Exception):
    """A guessed element span did not parse: the guess was wrong, not the file."""


class _FieldError(Exception):
    """Raised deep in validation; the caller adds the file and theorem to the message."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field, self.problem = field, problem


_MISSING = object()


def _type_name(value: Any) -> str:
    return "missing" if value is _MISSING else "null" if value is None else type(value).__name__


def _string(obj: dict[str, Any], key: str, field: str) -> str:
    value = obj.get(key, _MISSING)
    if type(value) is str:
        return value
    raise _FieldError(
        field, "missing" if value is _MISSING else f"expected str, got {_type_name(value)}"
    )


def _position(value: Any, field: str) -> tuple[int, int]:
    try:
        return as_position(value, field)
    except PositionError:
        raise _FieldError(
            field, f"expected a [line, column] pair of non-negative ints, got {value!r}"
        ) from None


def _provenance_names(annotated: Any, field: str) -> tuple[str, list[str]]:
    if not (type(annotated) is list and len(annotated) == 2):
        raise _FieldError(field, "expected [annotated text, provenances]")
    text, provenances = annotated
    if type(text) is not str:
        raise _FieldError(f"{field}[0]", f"expected str, got {_type_name(text)}")
    if type(provenances) is not list:
        raise _FieldError(f"{field}[1]", f"expected list, got {_type_name(provenances)}")
    names: list[str] = []
    for j, prov in enumerate(provenances):
        name = prov.get("full_name") if type(prov) is dict else None
        if type(name) is not str:
            raise _FieldError(f"{field}[1][{j}].full_name", "missing or not a string")
        names.append(name)
    return text, names


def _format_tactic(tactic: dict[str, Any], field: str, options: FormatOptions) -> str:
    annotated = tactic.get("annotated_tactic")
    if annotated is not None:
        text, names = _provenance_names(annotated, f"{field}.annotated_tactic")
    else:
        text, names = _string(tactic, "tactic", f"{field}.tactic"), []
    try:
        formatted = format_tactic(text, names, options.normalize_tactics)
    except MarkMismatchError as exc:
        raise _FieldError(f"{field}.annotated_tactic", str(exc)) from None
    return formatted if options.keep_marks else remove_marks(formatted)


def _tactic_object(tactic: Any, i: int) -> dict[str, Any]:
    if type(tactic) is not dict:
        raise _FieldError(f"traced_tactics[{i}]", f"expected an object, got {_type_name(tactic)}")
    _string(tactic, "state_before", f"traced_tactics[{i}].state_before")
    return tactic


def _add_theorem(theorem: Any, columns: _Columns, options: FormatOptions) -> int:
    if type(theorem) is not dict:
        raise _FieldError("<theorem>", f"expected an object, got {_type_name(theorem)}")
    get = theorem.get
    url: Any = get("url")
    commit: Any = get("commit")
    file_path: Any = get("file_path")
    full_name: Any = get("full_name")
    if not (type(url) is str and type(commit) is str and type(file_path) is str) or (
        type(full_name) is not str
    ):
        for key in _THEOREM_STRING_FIELDS:
            _string(theorem, key, key)  # raises the precise error
    start = _position(get("start"), "start")
    traced = get("traced_tactics", _MISSING)
    if type(traced) is not list:
        raise _FieldError("traced_tactics", f"expected list, got {_type_name(traced)}")
    if not traced:
        return 0
    theorem_index = len(columns.full_names)
    columns.urls.append(url)
    columns.commits.append(commit)
    columns.file_paths.append(file_path)
    columns.full_names.append(full_name)
    columns.starts.append(start)
    _add_tactics(traced, columns, options)
    count = len(traced)
    columns.theorem_of.extend([theorem_index] * count)
    columns.tactic_indices.extend(range(count))
    return count


def _add_tactics(traced: list[Any], columns: _Columns, options: FormatOptions) -> None:
    normalize, keep_marks = options.normalize_tactics, options.keep_marks
    for i, tactic in enumerate(traced):
        # The common case is inlined: this loop runs once per example (~250k per split).
        state = tactic.get("state_before") if type(tactic) is dict else None
        annotated = tactic.get("annotated_tactic") if type(state) is str else None
        text, names = None, None
        if type(annotated) is list and len(annotated) == 2 and type(annotated[0]) is str:
            provenances = annotated[1]
            if type(provenances) is list:
                text = annotated[0]
                if provenances:
                    names = [p.get("full_name") if type(p) is dict else None for p in provenances]
                    try:
                        "".join(names)  # type: ignore[arg-type]  # a C-speed "all are str"
                    except TypeError:
                        names = None
                else:
                    names = []
        if names is None:  # the rare shapes, with full checking and error messages
            formatted = _format_tactic(_tactic_object(tactic, i), f"traced_tactics[{i}]", options)
        else:
            try:
                formatted = format_tactic(text, names, normalize)  # type: ignore[arg-type]
            except MarkMismatchError as exc:
                raise _FieldError(f"traced_tactics[{i}].annotated_tactic", str(exc)) from None
            if not keep_marks:
                formatted = remove_marks(formatted)
        columns.tactics.append(formatted)
        columns.states.append(format_state(state))  # type: ignore[arg-type]
    if columns.provenances is not None:
        columns.provenances.extend(_provenances_json(tactic) for tactic in traced)
    if columns.states_after is not None:
        for i, tactic in enumerate(traced):
            after = _string(tactic, "state_after", f"traced_tactics[{i}].state_after")
            columns.states_after.append(format_state(after))


def _provenances_json(tactic: dict[str, Any]) -> str:
    # Only reached after the tactic was checked: the annotated form, when present, is valid.
    annotated = tactic.get("annotated_tactic")
    provenances = annotated[1] if annotated is not None else []
    return orjson.dumps(provenances).decode("utf-8")


def _field_error(path: Path, index: int, theorem: Any, exc: _FieldError) -> BenchmarkFormatError:
    name = theorem.get("full_name") if isinstance(theorem, dict) else None
    where = f"theorem #{index}" + (f" ({name})" if isinstance(name, str) else "")
    return BenchmarkFormatError(f"{path}: {where}: field '{exc.field}': {exc.problem}")


@dataclass(frozen=True)
class _SplitJob:
    """What every part of one split's parse shares (forked workers inherit it)."""

    buffer: bytes
    """The whole file."""
    path: Path
    """The file, for error messages."""
    options: FormatOptions
    """Tactic formatting options."""
    guessed: bool
    """The spans are guessed: one that is not JSON means the guess was wrong."""


def _parse_range(job: _SplitJob, spans: list[list[int]], first: int) -> tuple[ExampleTable, int]:
    """Parses theorems ``first, first + 1, ...`` given by ``spans``; returns (table, skipped).

    With guessed spans, a span that is not JSON raises ``_GuessedSpanError``. A field
    error is still the file's: every earlier span parsed, so the spans so far are right.
    """
    buffer, path = job.buffer, job.path
    options = job.options
    provenances: list[str] | None = [] if options.keep_provenances else None
    states_after: list[str] | None = [] if options.keep_states_after else None
    columns = _Columns([], [], [], [], [], [], [], [], [], provenances, states_after)
    skipped = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing creates no cycles; collections here cost about a third of the time
    try:
        for index, (start, end) in enumerate(spans, start=first):
            try:
                theorem = orjson.loads(buffer[start:end])
            except orjson.JSONDecodeError as exc:
                if job.guessed:
                    raise _GuessedSpanError from None
                raise parse_error(path, buffer, index, (start, end), exc) from None
            try:
                added = _add_theorem(theorem, columns, job.options)
            except _FieldError as exc:
                raise _field_error(path, index, theorem, exc) from None
            skipped += added == 0
    finally:
        if gc_was_enabled:
            gc.enable()
    return _to_table(columns), skipped


_FORKED: _SplitJob | None = None
"""The split being parsed, inherited by forked workers (copy-on-write, never pickled)."""


def _parse_range_in_worker(spans: list[list[int]], first: int) -> tuple[ExampleTable, int]:
    assert _FORKED is not None
    return _parse_range(_FORKED, spans, first)


def _parse_spans(
    job: _SplitJob, spans: list[list[int]], workers: int
) -> list[tuple[ExampleTable, int]]:
    if workers <= 1 or len(spans) < 2 * workers:
        return [_parse_range(job, spans, 0)]
    return _parallel_parse(job, spans, workers)


def _parallel_parse(
    job: _SplitJob, spans: list[list[int]], workers: int
) -> list[tuple[ExampleTable, int]]:
    global _FORKED
    bounds = np.linspace(0, len(spans), workers + 1).astype(int).tolist()
    parts = [(spans[lo:hi], lo) for lo, hi in itertools.pairwise(bounds)]
    _FORKED = job
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
            futures = [pool.submit(_parse_range_in_worker, *part) for part in parts[1:]]
            # Results are taken in file order, so an error is only raised once every
            # earlier part parsed (what makes errors from guessed spans trustworthy).
            head = _parse_range(job, *parts[0])
            return [head] + [future.result() for future in futures]
    finally:
        _FORKED = None


def _default_workers(size: int) -> int:
    env = os.environ.get("TACGEN_LOAD_WORKERS")
    if env:
        return max(1, int(env))
    if size < _PARALLEL_MIN_BYTES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(4, os.cpu_count() or 1)


def parse_split(
    buffer: bytes, path: Path, options: FormatOptions, workers: int | None = None
) -> tuple[ExampleTable, LoadStats]:
    """Parses and formats a whole split file held in memory.

    Element spans are first guessed (``guess_element_spans``); when one of them does not
    parse, the file is scanned exactly (``element_spans``) and parsed again.

    Args:
        buffer: the file's bytes.
        path: the file's path, for error messages.
        options: tactic formatting options.
        workers: processes to format with; by default up to 4 (one per CPU) for files
            over 16 MB, else 1. ``$TACGEN_LOAD_WORKERS`` overrides the default.

    Returns:
        The examples, column by column, and what loading found.

    Raises:
        BenchmarkFormatError: on malformed JSON, invalid UTF-8, a missing or mistyped
            field, or a mark/provenance count mismatch.
    """
    workers = workers or _default_workers(len(buffer))
    guess = guess_element_spans(buffer)
    results = None
    if guess is not None:
        try:
            results = _parse_spans(_SplitJob(buffer, path, options, True), guess, workers)
        except _GuessedSpanError:
            logger.debug("%s: guessed element spans were wrong; scanning the file", path)
    if results is None:
        try:
            spans = element_spans(buffer).tolist()
        except JsonScanError as exc:
            raise whole_file_error(path, buffer, exc) from None
        results = _parse_spans(_SplitJob(buffer, path, options, False), spans, workers)
    table = concat_tables([part for part, _ in results])
    skipped = sum(skipped for _, skipped in results)
    return table, LoadStats(len(table.full_names) + skipped, skipped, len(table))


def _to_table(columns: _Columns) -> ExampleTable:
    return ExampleTable(
        urls=StringColumn.from_strings(columns.urls),
        commits=StringColumn.from_strings(columns.commits),
        file_paths=StringColumn.from_strings(columns.file_paths),
        full_names=StringColumn.from_strings(columns.full_names),
        starts=np.array(columns.starts, dtype=np.int64).reshape(-1, 2),
        theorem_of=np.array(columns.theorem_of, dtype=np.int64),
        tactic_indices=np.array(columns.tactic_indices, dtype=np.int64),
        states=StringColumn.from_strings(columns.states),
        tactics=StringColumn.from_strings(columns.tactics),
        provenances=_optional_column(columns.provenances),
        states_after=_optional_column(columns.states_after),
    )


def _optional_column(strings: list[str] | None) -> StringColumn | None:
    return None if strings is None else StringColumn.from_strings(strings)


def read_split_bytes(path: str | Path) -> tuple[Path, bytes]:
    """Reads a split file, with a clear error when it is missing.

    Args:
        path: the split file (e.g. ``random/train.json``).

    Returns:
        The resolved path and the file's bytes.
    """
    resolved = Path(path).expanduser()
    if resolved.is_dir():
        raise BenchmarkFormatError(
            f"{resolved} is a directory; give a split file such as train.json"
        )
    if not resolved.is_file():
        raise FileNotFoundError(f"split file not found: {resolved}")
    return resolved, resolved.read_bytes()
