"""Shared helpers of the retrieval tests: a test corpus consistent with the real traced data.

LeanDojo's ``corpus.jsonl`` of the miniF2F trace is not available, so
:func:`build_minif2f_corpus` rebuilds a consistent one from the traced splits themselves:

* premises: every premise named by a provenance of ``val`` and ``test`` (its file is the
  provenance's ``def_path``), spanning from the start of its ``def_pos`` line to a little after
  ``def_end_pos`` (never into the next premise of the file), and every traced theorem (real
  ``start``/``end``) in its file: ``.lake/packages/mathlib/`` + ``file_path`` for Mathlib,
  ``.lake/packages/std/`` + ``file_path`` for Std, miniF2F's own as is;
* names sharing one ``def_pos`` (``Nat``, ``Nat.recOn``; ``NeZero``, ``NeZero.mk``) are one
  premise, named by the shortest; the others locate to it by position, as in ReProver;
* code: ``theorem <short name> (hypotheses) : <goal>`` from the theorem's first proof state
  when it is traced, else ``theorem <short name>`` / ``def <short name>`` (names only);
* imports: each file imports the files whose premises its theorems use; an edge that would
  close a cycle is dropped and counted.

Nothing derived from the data is committed: tests build it in a temporary folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from tacgen.data.corpus import Corpus
from tacgen.retrieval.interface import Retriever

_PACKAGES = {"mathlib4": ".lake/packages/mathlib/", "std4": ".lake/packages/std/"}
_FAR = 10**4
"""A column past the end of any line."""


@dataclass(frozen=True)
class Tactic:
    """One traced tactic with its theorem's context and its provenances."""

    state: str
    """The proof state before the tactic."""
    file_path: str
    """The theorem's file as the split gives it (repo-relative, e.g. ``Mathlib/X.lean``)."""
    full_name: str
    """The theorem's full name."""
    start: tuple[int, int]
    """The theorem's start."""
    provenances: tuple[dict[str, Any], ...]
    """The premises the tactic uses."""


def load_theorems(data_dir: Path, split: str) -> list[dict[str, Any]]:
    """The theorems of ``minif2f-mathlib4-traced/random/<split>.json``."""
    path = data_dir / "minif2f-mathlib4-traced" / "random" / f"{split}.json"
    theorems: list[dict[str, Any]] = orjson.loads(path.read_bytes())
    return theorems


def load_tactics(data_dir: Path, split: str) -> list[Tactic]:
    """Every traced tactic of a miniF2F split, in order.

    Args:
        data_dir: the real data folder.
        split: ``val`` or ``test``.

    Returns:
        The tactics.
    """
    return [
        Tactic(
            t["state_before"],
            thm["file_path"],
            thm["full_name"],
            tuple(thm["start"]),
            tuple(t["annotated_tactic"][1]),
        )
        for thm in load_theorems(data_dir, split)
        for t in thm["traced_tactics"]
    ]


def corpus_path_of(theorem: dict[str, Any]) -> str:
    """The corpus path of a traced theorem's file (under ``.lake/packages/`` for deps)."""
    repo = theorem["url"].rstrip("/").rsplit("/", 1)[-1]
    return _PACKAGES.get(repo, "") + theorem["file_path"]


def _statement(short: str, theorem: dict[str, Any]) -> str:
    if not theorem["traced_tactics"]:
        return f"theorem {short}"
    first_goal = theorem["traced_tactics"][0]["state_before"].split("\n\n")[0]
    hyps, _, goal = first_goal.partition("⊢")
    binders = " ".join(f"({h.strip()})" for h in hyps.strip().split("\n") if ":" in h)
    return " ".join(f"theorem {short} {binders} : {goal}".split())


def _code(name: str, theorem: dict[str, Any] | None) -> str:
    short = name.rsplit(".", 1)[-1]
    if theorem is not None:
        return _statement(short, theorem)
    return f"{'def' if short[:1].isupper() else 'theorem'} {short}"


def _collect(theorems: list[dict[str, Any]], stats: dict[str, int]) -> dict[str, dict[str, Any]]:
    # file -> name -> [start, end, is_real_span, theorem or None]
    files: dict[str, dict[str, Any]] = {}
    for thm in theorems:
        spans = files.setdefault(corpus_path_of(thm), {})
        spans[thm["full_name"]] = [tuple(thm["start"]), tuple(thm["end"]), True, thm]
    # Names that share one def_pos (a structure and its constructor, `Nat` and `Nat.recOn`,
    # names made by attributes) are one declaration: one premise, the shortest name.
    groups: dict[tuple[str, tuple[int, int]], set[tuple[str, tuple[int, int]]]] = {}
    for thm in theorems:
        for tactic in thm["traced_tactics"]:
            for prov in tactic["annotated_tactic"][1]:
                key = (prov["def_path"], tuple(prov["def_pos"]))
                groups.setdefault(key, set()).add((prov["full_name"], tuple(prov["def_end_pos"])))
    for (def_path, pos), names in sorted(groups.items()):
        spans = files.setdefault(def_path, {})
        stats["merged_names"] += len(names) - 1
        if not any(name in spans for name, _ in names):
            name, end = min(names, key=lambda ne: (len(ne[0]), ne[0]))
            spans[name] = [pos, end, False, None]
    for spans in files.values():
        real = [(s, e) for s, e, is_real, _ in spans.values() if is_real]
        for name, (s, _, is_real, _) in list(spans.items()):
            if not is_real and any(rs <= s <= re for rs, re in real):
                del spans[name]  # a name inside a traced theorem: it locates to the theorem
                stats["nested_provenances"] += 1
    return files


def _lay_out(spans: dict[str, Any]) -> list[dict[str, Any]]:
    # Provenance spans start at their line's start unless the previous premise is in the way,
    # and end a little after the name, before the next premise starts.
    items = sorted(spans.items(), key=lambda kv: kv[1][0])
    starts: list[tuple[int, int]] = []
    for i, (_, (pos, _, is_real, _)) in enumerate(items):
        prev_bound = (
            (0, 0) if i == 0 else (items[i - 1][1][1] if items[i - 1][1][2] else starts[-1])
        )
        starts.append(pos if is_real or (pos[0], 1) <= prev_bound else (pos[0], 1))
    premises = []
    for i, (name, (pos, end, is_real, thm)) in enumerate(items):
        if not is_real:
            end = (end[0], end[1] + 30)
            if i + 1 < len(items) and starts[i + 1] <= end:
                line, col = starts[i + 1]
                end = max(pos, (line, col - 1) if col > 1 else (line - 1, _FAR))
        premises.append(
            {
                "full_name": name,
                "code": _code(name, thm),
                "start": list(starts[i]),
                "end": list(end),
                "kind": "commanddeclaration",
            }
        )
    return premises


def _acyclic_imports(theorems: list[dict[str, Any]], stats: dict[str, int]) -> dict[str, set[str]]:
    wanted = sorted(
        {
            (corpus_path_of(thm), prov["def_path"])
            for thm in theorems
            for t in thm["traced_tactics"]
            for prov in t["annotated_tactic"][1]
        }
    )
    imports: dict[str, set[str]] = {}

    def reaches(src: str, dst: str) -> bool:
        seen, todo = {src}, [src]
        while todo:
            for nxt in imports.get(todo.pop(), ()):
                if nxt == dst:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return src == dst

    for importer, imported in wanted:
        if importer == imported:
            continue
        if reaches(imported, importer):
            stats["dropped_import_edges"] += 1
        else:
            imports.setdefault(importer, set()).add(imported)
    return imports


def build_minif2f_corpus(
    data_dir: Path, out_path: Path, stats: dict[str, int] | None = None
) -> Path:
    """Builds a corpus.jsonl consistent with the miniF2F trace's val and test splits.

    Args:
        data_dir: the real data folder (``minif2f-mathlib4-traced/random/{val,test}.json``).
        out_path: where to write the corpus.
        stats: if given, filled with ``nested_provenances`` (provenance names inside a traced
            theorem's span, not made premises), ``merged_names`` (names sharing another
            name's ``def_pos``, located by position) and ``dropped_import_edges``.

    Returns:
        ``out_path``.
    """
    counts = {"nested_provenances": 0, "merged_names": 0, "dropped_import_edges": 0}
    theorems = load_theorems(data_dir, "val") + load_theorems(data_dir, "test")
    files = _collect(theorems, counts)
    imports = _acyclic_imports(theorems, counts)
    lines = [
        json.dumps(
            {
                "path": path,
                "imports": sorted(imports.get(path, ())),
                "premises": _lay_out(files[path]),
            },
            ensure_ascii=False,
        )
        for path in sorted(files)
    ]
    tmp = out_path.with_name(out_path.name + f".tmp{os.getpid()}")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out_path)
    if stats is not None:
        stats.update(counts)
    return out_path


_BUILT: dict[str, tuple[Path, dict[str, int]]] = {}


@pytest.fixture(scope="session")
def minif2f_corpus(
    data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Corpus, dict[str, int]]:
    """The miniF2F test corpus (built once per session) and its build statistics."""
    if str(data_dir) not in _BUILT:
        stats: dict[str, int] = {}
        path = build_minif2f_corpus(data_dir, tmp_path_factory.mktemp("minif2f") / "c.jsonl", stats)
        _BUILT[str(data_dir)] = (path, stats)
    path, stats = _BUILT[str(data_dir)]
    return Corpus(path), stats


def recall_at_k(retriever: Retriever, tactics: list[Tactic], k: int, batch: int = 64) -> float:
    """Mean over tactics with located premises of |top-k ∩ used premises| / |used premises|.

    Args:
        retriever: the retriever to evaluate.
        tactics: the tactics (those whose provenances locate nowhere are skipped).
        k: how many premises are retrieved.
        batch: states per ``batch_retrieve`` call.

    Returns:
        Recall@k, the measure ReProver reports.
    """
    corpus = retriever.corpus
    index = {id(p): i for i, p in enumerate(corpus.premises)}
    cases = [(t, set(corpus.locate_provenances(t.provenances)[0])) for t in tactics]
    cases = [(t, pos) for t, pos in cases if pos]
    total = 0.0
    for lo in range(0, len(cases), batch):
        chunk = cases[lo : lo + batch]
        results = retriever.batch_retrieve(
            [t.state for t, _ in chunk],
            [t.file_path for t, _ in chunk],
            [t.full_name for t, _ in chunk],
            [t.start for t, _ in chunk],
            k,
        )
        for (_, positives), row in zip(chunk, results):
            total += len({index[id(p)] for p, _ in row} & positives) / len(positives)
    return total / max(len(cases), 1)
