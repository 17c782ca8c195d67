"""Checks the bundled demo dataset (src/tacgen/demo_data): format and cross-references."""

from __future__ import annotations

import importlib.resources
import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

SPLITS = ("train", "val", "test")
_MARK = re.compile(r"<a>(.+?)</a>")


def _data_dir() -> Path:
    try:
        path = Path(str(importlib.resources.files("tacgen") / "demo_data"))
        if (path / "corpus.jsonl").is_file():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[1] / "src" / "tacgen" / "demo_data"


DATA = _data_dir()


@cache
def _split(name: str) -> list[dict[str, Any]]:
    with open(DATA / "random" / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _corpus() -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    with open(DATA / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                entry = json.loads(line)
                assert entry["path"] not in files, f"{entry['path']} appears twice"
                files[entry["path"]] = entry
    return files


def _is_pos(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    )


def _theorems() -> list[tuple[str, dict[str, Any]]]:
    return [(split, thm) for split in SPLITS for thm in _split(split)]


def _tactics() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(thm, tac) for _, thm in _theorems() for tac in thm["traced_tactics"]]


def _closure(path: str) -> set[str]:
    corpus = _corpus()
    seen: set[str] = set()
    todo = list(corpus[path]["imports"])
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(corpus[dep]["imports"])
    return seen


def test_files_parse_and_metadata() -> None:
    for split in SPLITS:
        assert isinstance(_split(split), list) and _split(split)
    assert _corpus()
    with open(DATA / "metadata.json", encoding="utf-8") as fh:
        meta = json.load(fh)
    assert meta["dataset_name"] == "tacgen demo"
    for key in ("creation_time", "from_repo", "leandojo_version", "note"):
        assert key in meta
    assert (DATA / "README.md").is_file()


def test_sizes() -> None:
    counts = {s: sum(len(t["traced_tactics"]) for t in _split(s)) for s in SPLITS}
    assert 300 <= counts["train"] <= 450
    assert 30 <= counts["val"] <= 50
    assert 30 <= counts["test"] <= 50
    assert 100 <= len(_split("train")) <= 250


def test_theorem_fields() -> None:
    for split, thm in _theorems():
        where = f"{split}: {thm.get('full_name')}"
        for key in ("url", "commit", "file_path", "full_name"):
            assert isinstance(thm[key], str) and thm[key], where
        assert re.fullmatch(r"[0-9a-f]{40}", thm["commit"]), where
        assert _is_pos(thm["start"]) and _is_pos(thm["end"]), where
        assert thm["start"] < thm["end"], where
        assert thm["file_path"] in _corpus(), where
        assert isinstance(thm["traced_tactics"], list) and thm["traced_tactics"], where
        for tac in thm["traced_tactics"]:
            assert set(tac) == {"tactic", "annotated_tactic", "state_before", "state_after"}, where
            for key in ("tactic", "state_before", "state_after"):
                assert isinstance(tac[key], str) and tac[key], where
            annotated, provenances = tac["annotated_tactic"]
            assert isinstance(annotated, str) and isinstance(provenances, list), where


def test_states_look_like_lean_states() -> None:
    for thm, tac in _tactics():
        assert "⊢" in tac["state_before"], thm["full_name"]
        assert tac["state_after"] == "no goals" or "⊢" in tac["state_after"], thm["full_name"]
        for state in (tac["state_before"], tac["state_after"]):
            assert state == state.strip(), thm["full_name"]
            assert "\n\n\n" not in state, thm["full_name"]
            for goal in state.split("\n\n"):
                lines = goal.split("\n")
                assert goal == "no goals" or lines[-1].startswith("⊢ "), thm["full_name"]
    for _, thm in _theorems():
        assert any(t["state_after"] == "no goals" for t in thm["traced_tactics"]), thm["full_name"]


def test_marks_match_provenances() -> None:
    for thm, tac in _tactics():
        annotated, provenances = tac["annotated_tactic"]
        marks = _MARK.findall(annotated)
        assert len(marks) == len(provenances), (thm["full_name"], annotated)
        assert annotated.replace("<a>", "").replace("</a>", "") == tac["tactic"]
        for mark, prov in zip(marks, provenances):
            assert set(prov) == {"full_name", "def_path", "def_pos", "def_end_pos"}
            assert prov["full_name"].endswith(mark), (mark, prov["full_name"])


def test_provenances_resolve_to_accessible_premises() -> None:
    corpus = _corpus()
    used = 0
    for thm, tac in _tactics():
        for prov in tac["annotated_tactic"][1]:
            path = prov["def_path"]
            assert path in corpus, prov
            assert _is_pos(prov["def_pos"]) and _is_pos(prov["def_end_pos"]), prov
            assert prov["def_pos"] < prov["def_end_pos"], prov
            hits = [
                p
                for p in corpus[path]["premises"]
                if p["start"] <= prov["def_pos"] <= p["end"]
                and p["start"] <= prov["def_end_pos"] <= p["end"]
            ]
            assert len(hits) == 1, prov
            premise = hits[0]
            # A constructor (Or.inl) resolves to its inductive type's declaration (Or).
            assert prov["full_name"] == premise["full_name"] or prov["full_name"].startswith(
                premise["full_name"] + "."
            ), (prov, premise["full_name"])
            if path == thm["file_path"]:
                assert premise["end"] < thm["start"], (thm["full_name"], prov)
            else:
                assert path in _closure(thm["file_path"]), (thm["full_name"], prov)
            used += 1
    assert used > 0


def test_every_theorem_is_a_premise_of_its_file() -> None:
    corpus = _corpus()
    for _, thm in _theorems():
        spans = {
            p["full_name"]: (p["start"], p["end"]) for p in corpus[thm["file_path"]]["premises"]
        }
        assert spans.get(thm["full_name"]) == (thm["start"], thm["end"]), thm["full_name"]


def test_corpus_premises() -> None:
    for path, entry in _corpus().items():
        assert set(entry) == {"path", "imports", "premises"}, path
        names: set[str] = set()
        previous_end = [0, 0]
        for p in entry["premises"]:
            assert set(p) == {"full_name", "code", "start", "end", "kind"}, path
            assert isinstance(p["kind"], str) and p["kind"], p["full_name"]
            assert _is_pos(p["start"]) and _is_pos(p["end"]), p["full_name"]
            assert p["start"] <= p["end"], p["full_name"]
            assert previous_end < p["start"], f"{p['full_name']} overlaps or is out of order"
            previous_end = p["end"]
            assert p["full_name"] not in names, f"duplicate {p['full_name']} in {path}"
            names.add(p["full_name"])
            last = p["full_name"].split(".")[-1]
            assert last in p["code"], p["full_name"]
    assert sum(len(e["premises"]) for e in _corpus().values()) >= 150


def test_corpus_imports_resolve_and_are_acyclic() -> None:
    corpus = _corpus()
    state: dict[str, int] = {}  # 1: visiting, 2: done

    def visit(path: str) -> None:
        assert state.get(path) != 1, f"import cycle through {path}"
        if state.get(path) == 2:
            return
        state[path] = 1
        for dep in corpus[path]["imports"]:
            assert dep in corpus, f"{path} imports {dep}, which is not in the corpus"
            assert dep != path
            visit(dep)
        state[path] = 2

    for path in corpus:
        visit(path)


def test_positions_within_a_file_do_not_overlap() -> None:
    by_file: dict[str, list[tuple[list[int], list[int], str]]] = {}
    for _, thm in _theorems():
        by_file.setdefault(thm["file_path"], []).append(
            (thm["start"], thm["end"], thm["full_name"])
        )
    for items in by_file.values():
        items.sort()
        for (_, end, name), (start, _, _) in itertools.pairwise(items):
            assert end < start, name


@pytest.mark.parametrize("split", ["val", "test"])
def test_eval_splits_are_disjoint_from_train(split: str) -> None:
    train = {t["full_name"] for t in _split("train")}
    other = {t["full_name"] for t in _split(split)}
    assert not train & other
    assert not {t["full_name"] for t in _split("val")} & {t["full_name"] for t in _split("test")}
    all_names = [t["full_name"] for _, t in _theorems()]
    assert len(all_names) == len(set(all_names))
