"""Predictions files: JSON Lines round trip, precise errors, and ReProver's pickle, safely."""

from __future__ import annotations

import json
import os
import pickle
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from tacgen.core.records import Premise
from tacgen.data.predictions import (
    PredictionKey,
    PredictionsFormatError,
    load_predictions,
    read_jsonl,
    write_predictions,
)

PREMISES = [
    Premise("Init/Nat.lean", "Nat.add_comm", (10, 1), (12, 30), "theorem add_comm : n + m = m + n"),
    Premise("Mathlib/«Foo».lean", "Foo.«bar baz»", (3, 5), (3, 40), "def «bar baz» : ℕ := 0\n"),
    Premise("Init/Core.lean", "id", (0, 0), (0, 0), ""),
]
KEY_A: PredictionKey = ("Tiny/Basic.lean", "Tiny.or_swap", "case inl\np q : Prop\n⊢ q ∨ p")
KEY_B: PredictionKey = ("Tiny/Basic.lean", "Tiny.add_zero'", "n : ℕ\n⊢ n + 0 = n")


def test_jsonl_round_trip(tmp_path: Path) -> None:
    """write_predictions then load_predictions returns the same premises per key, in order."""
    path = tmp_path / "preds" / "predictions.jsonl"
    write_predictions(
        path,
        [
            (KEY_A, PREMISES, [0.9, 0.5, 0.25]),
            (KEY_B, PREMISES[::-1], None),
            (("f", "t", ""), [], []),
        ],
    )
    loaded = load_predictions(path)
    assert dict(loaded) == {KEY_A: PREMISES, KEY_B: PREMISES[::-1], ("f", "t", ""): []}
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["scores"] == [0.9, 0.5, 0.25] and "scores" not in lines[1]
    assert lines[0]["retrieved_premises"][0] == {
        "path": "Init/Nat.lean",
        "full_name": "Nat.add_comm",
        "start": [10, 1],
        "end": [12, 30],
        "code": "theorem add_comm : n + m = m + n",
    }
    assert [p.name for p in path.parent.iterdir()] == ["predictions.jsonl"]  # no temp left


def test_fixture_predictions_load() -> None:
    """The fixture predictions file is valid and has three premises per key."""
    loaded = load_predictions(FIXTURES / "tiny" / "predictions.jsonl")
    assert len(loaded) == 18
    assert all(len(premises) == 3 for premises in loaded.values())


def test_write_failure_leaves_old_file(tmp_path: Path) -> None:
    """A failing write keeps the previous file and leaves no temporary file."""
    path = tmp_path / "p.jsonl"
    write_predictions(path, [(KEY_A, PREMISES, None)])
    before = path.read_bytes()

    def rows() -> Any:
        yield (KEY_B, PREMISES, None)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_predictions(path, rows())
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["p.jsonl"]


GOOD = json.dumps(
    {
        "file_path": "A.lean",
        "full_name": "A.b",
        "state": "⊢ True",
        "retrieved_premises": [
            {"path": "P.lean", "full_name": "P.q", "start": [1, 1], "end": [2, 1], "code": "x"}
        ],
    },
    ensure_ascii=False,
)


def _premise_line(**changes: Any) -> str:
    premise: dict[str, Any] = {
        "path": "P.lean",
        "full_name": "P.q",
        "start": [1, 1],
        "end": [2, 1],
        "code": "x",
    }
    premise.update(changes)
    premise = {k: v for k, v in premise.items() if v is not None}
    return json.dumps(
        {"file_path": "A.lean", "full_name": "A.b", "state": "s", "retrieved_premises": [premise]}
    )


@pytest.mark.parametrize(
    "bad",
    [
        '{"file_path": "A.lean", "full_name": ',
        "not json",
        '{"full_name": "A.b", "state": "s", "retrieved_premises": []}',
        '{"file_path": "A.lean", "full_name": "A.b", "state": "s"}',
        '{"file_path": 1, "full_name": "A.b", "state": "s", "retrieved_premises": []}',
        '{"file_path": "A", "full_name": "A.b", "state": "s", "retrieved_premises": {}}',
        "[1, 2]",
        '{"file_path": "A", "full_name": "A.b", "state": "s", "retrieved_premises": [3]}',
        _premise_line(code=None),
        _premise_line(start="x"),
        _premise_line(start=[3, 1], end=[2, 1]),
        _premise_line(full_name=""),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, bad: str) -> None:
    """A malformed line raises PredictionsFormatError naming file:line."""
    path = tmp_path / "preds.jsonl"
    path.write_text("\n".join([GOOD, "", GOOD, bad, GOOD]) + "\n", encoding="utf-8")
    with pytest.raises(PredictionsFormatError) as err:
        load_predictions(path)
    assert f"{path}:4" in str(err.value)


def test_invalid_utf8_line(tmp_path: Path) -> None:
    """Invalid UTF-8 on a line is reported with its line number."""
    path = tmp_path / "preds.jsonl"
    path.write_bytes(GOOD.encode() + b"\n" + GOOD.encode().replace(b"True", b"\xff\xfe") + b"\n")
    with pytest.raises(PredictionsFormatError, match=re.escape(f"{path}:2")):
        read_jsonl(path)


def test_blank_lines_and_missing_file(tmp_path: Path) -> None:
    """Blank lines are skipped; a missing file is FileNotFoundError naming it."""
    path = tmp_path / "preds.jsonl"
    path.write_text("\n\n" + GOOD + "\n   \n", encoding="utf-8")
    assert list(load_predictions(path)) == [("A.lean", "A.b", "⊢ True")]
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "absent.jsonl"))):
        load_predictions(tmp_path / "absent.jsonl")


# ------------------------------------------------------------- ReProver's pickle


def _fake_reprover_modules() -> dict[str, types.ModuleType]:
    """Stand-ins for ReProver's ``common`` and LeanDojo's ``lean`` module, as pickled."""
    lean = types.ModuleType("lean_dojo.data_extraction.lean")
    common = types.ModuleType("common")

    @dataclass(frozen=True)
    class Pos:
        line_nb: int
        column_nb: int

    @dataclass(unsafe_hash=True)
    class Context:
        path: str
        theorem_full_name: str
        theorem_pos: Pos = field(compare=False)
        state: str

    @dataclass(unsafe_hash=True)
    class Premise:
        path: str
        full_name: str
        start: Pos = field(repr=False)
        end: Pos = field(repr=False)
        code: str = field(compare=False)

    for cls, module in ((Pos, lean), (Context, common), (Premise, common)):
        cls.__module__ = module.__name__
        cls.__qualname__ = cls.__name__
        setattr(module, cls.__name__, cls)
    packages = {
        "lean_dojo": types.ModuleType("lean_dojo"),
        "lean_dojo.data_extraction": types.ModuleType("lean_dojo.data_extraction"),
    }
    return {"common": common, "lean_dojo.data_extraction.lean": lean, **packages}


def _write_reprover_pickle(path: Path, protocol: int) -> None:
    """Pickles ReProver-shaped predictions with fake modules, then removes the modules."""
    modules = _fake_reprover_modules()
    assert not any(name in sys.modules for name in modules)
    sys.modules.update(modules)
    try:
        common, lean = modules["common"], modules["lean_dojo.data_extraction.lean"]
        pos = lean.Pos  # type: ignore[attr-defined]

        def prem(p: Premise) -> Any:
            return common.Premise(  # type: ignore[attr-defined]
                p.path, p.full_name, pos(*p.start), pos(*p.end), p.code
            )

        rows = []
        for key, premises in ((KEY_A, PREMISES), (KEY_B, PREMISES[1:])):
            context = common.Context(key[0], key[1], pos(4, 1), key[2])  # type: ignore[attr-defined]
            retrieved = [prem(p) for p in premises]
            rows.append(
                {
                    "context": context,
                    "all_pos_premises": retrieved[:1],
                    "retrieved_premises": retrieved,
                    "scores": [1.0 / (i + 1) for i in range(len(retrieved))],
                }
            )
        with open(path, "wb") as handle:
            pickle.dump(rows, handle, protocol=protocol)
    finally:
        for name in modules:
            del sys.modules[name]


@pytest.mark.parametrize("protocol", [2, 4, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("suffix", [".pickle", ".pkl"])
def test_reprover_pickle_without_reprover(tmp_path: Path, protocol: int, suffix: str) -> None:
    """ReProver's predictions pickle loads with neither ReProver nor LeanDojo importable."""
    path = tmp_path / f"predictions{suffix}"
    _write_reprover_pickle(path, protocol)
    assert "common" not in sys.modules and "lean_dojo.data_extraction.lean" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        pickle.loads(path.read_bytes())  # really not importable
    loaded = load_predictions(path)
    assert dict(loaded) == {KEY_A: PREMISES, KEY_B: PREMISES[1:]}
    assert "common" not in sys.modules


def test_pickle_forbidden_global_is_refused(tmp_path: Path) -> None:
    """A pickle calling os.system is refused (PredictionsFormatError) and nothing runs."""
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> Any:
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "predictions.pickle"
    path.write_bytes(pickle.dumps([{"context": Evil(), "retrieved_premises": []}]))
    with pytest.raises(PredictionsFormatError, match="refusing"):
        load_predictions(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps(eval),
        pickle.dumps([{"context": print}]),
        b"not a pickle at all",
        b"",
        pickle.dumps([{"context": 3, "retrieved_premises": []}]),
        pickle.dumps([{"retrieved_premises": []}]),
        pickle.dumps([3]),
    ],
    ids=["eval", "print", "garbage", "empty", "context-int", "no-context", "row-int"],
)
def test_pickle_bad_content(tmp_path: Path, payload: bytes) -> None:
    """Forbidden globals, garbage and unexpected structures are PredictionsFormatError."""
    path = tmp_path / "predictions.pkl"
    path.write_bytes(payload)
    with pytest.raises(PredictionsFormatError, match=re.escape(str(path))):
        load_predictions(path)


@pytest.mark.parametrize("top", [{}, {"context": 1}, "rows"], ids=["dict", "row-dict", "str"])
def test_pickle_top_level_not_a_list(tmp_path: Path, top: Any) -> None:
    """A pickle whose top level is not a list of rows is an error, not an empty mapping."""
    path = tmp_path / "predictions.pickle"
    path.write_bytes(pickle.dumps(top))
    with pytest.raises(PredictionsFormatError, match=re.escape(str(path))):
        load_predictions(path)
