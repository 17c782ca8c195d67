"""Retrieved-premise predictions: what the generator prepends to each state.

The portable format is JSON Lines, one object per (file, theorem, state)::

    {"file_path": "Mathlib/Foo.lean", "full_name": "Foo.bar", "state": "<formatted state>",
     "retrieved_premises": [{"path": ..., "full_name": ..., "start": [l, c],
                             "end": [l, c], "code": ...}, ...],       # best first
     "scores": [0.93, ...]}                                           # optional

ReProver's ``predictions.pickle`` (a list of dicts with ``context`` and
``retrieved_premises`` objects) is also read, without ReProver installed: the unpickler
only rebuilds plain records for the allow-listed classes and refuses everything else.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from tacgen.core.atomic import atomic_path
from tacgen.core.errors import PredictionsFormatError
from tacgen.core.records import Premise, as_position
from tacgen.data.jsonl import read_json_lines

PredictionKey = tuple[str, str, str]
"""(file_path, theorem full_name, formatted state)."""


def _premise_from_json(obj: Any, where: str) -> Premise:
    if not isinstance(obj, dict):
        raise PredictionsFormatError(f"{where}: a retrieved premise must be an object")
    try:
        return Premise(
            path=str(obj["path"]),
            full_name=str(obj["full_name"]),
            start=as_position(obj["start"], "start"),
            end=as_position(obj["end"], "end"),
            code=str(obj["code"]),
        )
    except KeyError as exc:
        raise PredictionsFormatError(f"{where}: retrieved premise lacks field {exc}") from None
    except ValueError as exc:
        raise PredictionsFormatError(f"{where}: {exc}") from None


def read_jsonl(path: Path) -> dict[PredictionKey, list[Premise]]:
    """Reads a JSON Lines predictions file.

    Args:
        path: the file.

    Returns:
        The retrieved premises (best first) for each (file_path, full_name, state).
    """
    predictions: dict[PredictionKey, list[Premise]] = {}
    for where, obj in read_json_lines(path, PredictionsFormatError):
        try:
            key = (obj["file_path"], obj["full_name"], obj["state"])
            retrieved = obj["retrieved_premises"]
        except (KeyError, TypeError) as exc:
            raise PredictionsFormatError(f"{where}: missing field {exc}") from None
        if not all(isinstance(k, str) for k in key) or not isinstance(retrieved, list):
            raise PredictionsFormatError(f"{where}: mistyped file_path/full_name/state/premises")
        predictions[key] = [_premise_from_json(p, where) for p in retrieved]
    return predictions


def write_predictions(
    path: str | Path,
    rows: Iterable[tuple[PredictionKey, Sequence[Premise], Sequence[float] | None]],
) -> None:
    """Writes a JSON Lines predictions file atomically.

    Args:
        path: destination.
        rows: (key, premises best first, scores or None) triples.
    """
    with atomic_path(path) as partial, open(partial, "wb") as handle:
        for (file_path, full_name, state), premises, scores in rows:
            obj: dict[str, Any] = {
                "file_path": file_path,
                "full_name": full_name,
                "state": state,
                "retrieved_premises": [
                    {
                        "path": p.path,
                        "full_name": p.full_name,
                        "start": list(p.start),
                        "end": list(p.end),
                        "code": p.code,
                    }
                    for p in premises
                ],
            }
            if scores is not None:
                obj["scores"] = [float(s) for s in scores]
            handle.write(orjson.dumps(obj) + b"\n")


class _Record:
    """Stand-in for ReProver/LeanDojo dataclasses: keeps the pickled attributes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.__dict__.update(kwargs)

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots) form
            state = {**(state[0] or {}), **(state[1] or {})}
        if isinstance(state, dict):
            self.__dict__.update(state)


_ALLOWED_CLASSES = {"Context", "Premise", "Pos"}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED_CLASSES:
            return type(name, (_Record,), {})
        if module == "builtins" and name in {"set", "frozenset", "tuple", "list", "dict"}:
            return getattr(__import__("builtins"), name)
        if module.startswith("numpy") and name in {"scalar", "dtype", "_reconstruct", "ndarray"}:
            import numpy.core.multiarray  # noqa: F401 - numpy scores in old pickles

            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a predictions pickle")


def _pos(value: Any) -> tuple[int, int]:
    if isinstance(value, _Record):
        return (int(getattr(value, "line_nb")), int(getattr(value, "column_nb")))  # noqa: B009
    return as_position(value)


def read_reprover_pickle(path: Path) -> dict[PredictionKey, list[Premise]]:
    """Reads ReProver's ``predictions.pickle`` without ReProver or LeanDojo installed.

    Args:
        path: the pickle file.

    Returns:
        The retrieved premises (best first) for each (file_path, full_name, state).
    """
    with open(path, "rb") as handle:
        try:
            rows = _SafeUnpickler(handle).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, TypeError) as exc:
            raise PredictionsFormatError(
                f"{path}: not a ReProver predictions pickle: {exc}"
            ) from None
    if not isinstance(rows, list):
        raise PredictionsFormatError(
            f"{path}: expected a list of prediction dicts, got {type(rows).__name__}"
        )
    predictions: dict[PredictionKey, list[Premise]] = {}
    for i, row in enumerate(rows):
        try:
            ctx = row["context"]
            key = (ctx.path, ctx.theorem_full_name, ctx.state)
            predictions[key] = [
                Premise(p.path, p.full_name, _pos(p.start), _pos(p.end), p.code)
                for p in row["retrieved_premises"]
            ]
        except (KeyError, AttributeError, TypeError, ValueError) as exc:
            raise PredictionsFormatError(f"{path}: row {i}: unexpected structure: {exc}") from None
    return predictions


def load_predictions(path: str | Path) -> Mapping[PredictionKey, list[Premise]]:
    """Reads predictions from JSON Lines (``.jsonl``) or ReProver's pickle (``.pickle``/``.pkl``).

    Args:
        path: the predictions file.

    Returns:
        The retrieved premises (best first) for each (file_path, full_name, state).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"predictions file not found: {path}")
    if path.suffix in {".pickle", ".pkl"}:
        return read_reprover_pickle(path)
    return read_jsonl(path)
