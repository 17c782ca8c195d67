"""Builds tacgen's bundled demo dataset (src/tacgen/demo_data) in the LeanDojo format.

Usage: python scripts/build_demo_data.py [--out src/tacgen/demo_data]

The theorems, proofs and proof states are hand-written (scripts/demo_theorems.py); the
corpus quotes declarations of Lean 4 core (scripts/demo_core.py). This script

* writes the demo's Lean sources (``lean/TacgenDemo/*.lean``) and takes every theorem's
  and premise's position from them;
* lays the core declarations out in their files, one after another;
* marks every identifier of a tactic that names a premise with ``<a>…</a>`` and records
  its provenance (``full_name``, ``def_path``, ``def_pos``, ``def_end_pos``), resolving
  names the way Lean does inside the file's namespace;
* splits the theorems at random (fixed seed) into train / val / test;
* checks what it can: every tactic occurs in its proof, every provenance names a premise
  accessible from the theorem (earlier in the file or in an imported file), positions
  increase and do not overlap.

The output is deterministic.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_core
from demo_theorems import DEMO_FILES, Decl, Thm

REPO_URL = "https://github.com/tacgen/demo"
COMMIT = "0" * 40
CREATION_TIME = "2025-01-15 12:00:00.000000"
SEED = 20250115
VAL_TACTICS = 40
TEST_TACTICS = 40
KIND = "commanddeclaration"  # what LeanDojo records for theorem/def/inductive/structure

_DECL_NAME = re.compile(
    r"\b(?:theorem|def|abbrev|inductive|structure|axiom|opaque)\s+([^\s({\[:]+)"
)
_CTOR_ALT = re.compile(r"^\s*\|\s*([A-Za-z_][\w']*)")
_CTOR_STRUCT = re.compile(r"^\s*([A-Za-z_][\w']*)\s*::\s*$")
_IDENT = re.compile(r"(?<![\w.'!?])[^\W\d][\w'!?]*(?:\.[^\W\d][\w'!?]*)*")
_KEYWORDS = {
    "fun",
    "at",
    "with",
    "by",
    "then",
    "else",
    "if",
    "show",
    "from",
    "have",
    "this",
    "only",
    "using",
    "generalizing",
    "match",
    "do",
    "let",
    "in",
    "true",
    "false",
    "Type",
    "Prop",
    "Sort",
    "_",
}
_TACTIC_LEADERS = ("=>", "<;>", ";", "·", "by")


@dataclass
class Premise:
    path: str
    full_name: str
    code: str
    start: tuple[int, int]
    end: tuple[int, int]
    name_pos: tuple[int, int]
    name_len: int
    ctors: dict[str, tuple[tuple[int, int], int]] = field(default_factory=dict)

    def json(self) -> dict:
        return {
            "full_name": self.full_name,
            "code": self.code,
            "start": list(self.start),
            "end": list(self.end),
            "kind": KIND,
        }


def _locate_name(code: str, start_line: int) -> tuple[str, tuple[int, int], int]:
    """The declared name as written, its (line, column) and length."""
    match = _DECL_NAME.search(code)
    assert match, f"no declaration name in {code!r}"
    offset = match.start(1)
    before = code[:offset]
    line = start_line + before.count("\n")
    col = offset - (before.rfind("\n") + 1) + 1
    return match.group(1), (line, col), len(match.group(1))


def _make_premise(
    path: str, namespace: str, code: str, start_line: int, end_col: int | None, extra_lines: int
) -> Premise:
    written, name_pos, name_len = _locate_name(code, start_line)
    full_name = f"{namespace}.{written}" if namespace else written
    lines = code.split("\n")
    end_line = start_line + len(lines) - 1 + extra_lines
    if end_col is None:
        end_col = len(lines[-1]) + 1
    premise = Premise(
        path, full_name, code, (start_line, 1), (end_line, end_col), name_pos, name_len
    )
    head = code.split("\n", 1)[0]
    if re.search(r"\b(?:inductive|structure)\b", head):
        for i, text in enumerate(lines[1:], start=1):
            m = _CTOR_ALT.match(text) or _CTOR_STRUCT.match(text)
            if m:
                premise.ctors[f"{full_name}.{m.group(1)}"] = (
                    (start_line + i, m.start(1) + 1),
                    len(m.group(1)),
                )
    return premise


# ---------------------------------------------------------------------------------------
# Core files
# ---------------------------------------------------------------------------------------


def build_core() -> tuple[dict[str, list[Premise]], dict[str, list[str]]]:
    premises: dict[str, list[Premise]] = {}
    imports: dict[str, list[str]] = {}
    for path, deps, first_line in demo_core.CORE_FILES:
        imports[path] = list(deps)
        line = first_line
        out: list[Premise] = []
        for k, (namespace, decls) in enumerate(demo_core.CORE_DECLS[path]):
            if k:
                line += 4  # `end X`, blank, `namespace Y`, blank
            for i, code in enumerate(decls):
                is_thm = bool(re.match(r"(@\[[^\]]*\]\s*)?(protected\s+)?theorem\b", code))
                # theorems get their (omitted) proof after the statement
                extra = 1 + (len(code) % 3) if is_thm else 0
                end_col = 3 + (len(code) * 7) % 40 if is_thm else None
                p = _make_premise(path, namespace, code, line, end_col, extra)
                out.append(p)
                # blank line, sometimes a doc comment, before the next declaration
                line = p.end[0] + 2 + (3 if (i + len(code)) % 4 == 0 else 0)
        premises[path] = out
    imports[demo_core.INIT] = [p for p, _, _ in demo_core.CORE_FILES]
    premises[demo_core.INIT] = []
    return premises, imports


# ---------------------------------------------------------------------------------------
# Demo files
# ---------------------------------------------------------------------------------------


@dataclass
class DemoTheorem:
    path: str
    namespace: str
    full_name: str
    thm: Thm
    start: tuple[int, int]
    end: tuple[int, int]
    proof_lines: list[str]


HEADER = """/-
Copyright (c) 2025 The tacgen team. All rights reserved.
Released under the MIT license, as the rest of tacgen.
-/"""


def build_demo() -> tuple[
    dict[str, list[Premise]], dict[str, list[str]], list[DemoTheorem], dict[str, str]
]:
    premises: dict[str, list[Premise]] = {}
    imports: dict[str, list[str]] = {}
    theorems: list[DemoTheorem] = []
    sources: dict[str, str] = {}
    for path, namespace, deps, universe, doc, decls in DEMO_FILES:
        imports[path] = [demo_core.INIT, *deps]
        lines: list[str] = HEADER.split("\n")
        for dep in deps:
            lines.append("import " + dep.removesuffix(".lean").replace("/", "."))
        lines += [
            "",
            "/-!",
            f"# {doc}",
            "",
            "Hand-written for tacgen's demo dataset; see",
            "`src/tacgen/demo_data/README.md`. Proof states are recorded in the dataset.",
            "-/",
            "",
        ]
        if universe:
            lines += ["universe u", ""]
        lines += [f"namespace {namespace}", ""]
        out: list[Premise] = []
        for decl in decls:
            start_line = len(lines) + 1
            if isinstance(decl, Decl):
                code = decl.source
                lines += code.split("\n")
                out.append(_make_premise(path, namespace, code, start_line, None, 0))
            else:
                stmt_lines = decl.stmt.split("\n")
                stmt_lines[-1] += " := by"
                proof = ["  " + text for text in decl.proof]
                lines += stmt_lines + proof
                end = (len(lines), len(lines[-1]) + 1)
                p = _make_premise(path, namespace, decl.stmt, start_line, end[1], len(proof))
                assert p.end == end, (p.end, end)
                out.append(p)
                theorems.append(
                    DemoTheorem(path, namespace, p.full_name, decl, p.start, end, proof)
                )
            lines.append("")
        lines += [f"end {namespace}", ""]
        premises[path] = out
        sources[path] = "\n".join(lines)
    root = "TacgenDemo.lean"
    imports[root] = [demo_core.INIT, *(f[0] for f in DEMO_FILES)]
    premises[root] = []
    sources[root] = (
        "\n".join(
            HEADER.split("\n")
            + ["import " + f[0].removesuffix(".lean").replace("/", ".") for f in DEMO_FILES]
        )
        + "\n"
    )
    return premises, imports, theorems, sources


# ---------------------------------------------------------------------------------------
# Annotation
# ---------------------------------------------------------------------------------------


class Resolver:
    def __init__(self, premises: dict[str, list[Premise]]) -> None:
        self.by_name: dict[str, tuple[Premise, tuple[int, int], int]] = {}
        for plist in premises.values():
            for p in plist:
                assert p.full_name not in self.by_name, f"duplicate premise {p.full_name}"
                self.by_name[p.full_name] = (p, p.name_pos, p.name_len)
                for ctor, (pos, length) in p.ctors.items():
                    self.by_name.setdefault(ctor, (p, pos, length))

    def resolve(self, token: str, namespace: str) -> str | None:
        parts = namespace.split(".") if namespace else []
        for k in range(len(parts), -1, -1):
            candidate = ".".join([*parts[:k], token])
            if candidate in self.by_name:
                return candidate
        return None


def _in_tactic_position(text: str, index: int) -> bool:
    before = text[:index]
    line_start = before.rfind("\n") + 1
    if before[line_start:].strip() == "":
        return True
    stripped = before.rstrip()
    return stripped == "" or stripped.endswith(_TACTIC_LEADERS)


def annotate(tactic: str, namespace: str, resolver: Resolver) -> tuple[str, list[dict]]:
    pieces: list[str] = []
    provenances: list[dict] = []
    cursor = 0
    for match in _IDENT.finditer(tactic):
        token = match.group(0)
        if token in _KEYWORDS or _in_tactic_position(tactic, match.start()):
            continue
        name = resolver.resolve(token, namespace)
        if name is None:
            continue
        premise, pos, length = resolver.by_name[name]
        pieces.append(tactic[cursor : match.start()])
        pieces.append(f"<a>{token}</a>")
        cursor = match.end()
        provenances.append(
            {
                "full_name": name,
                "def_path": premise.path,
                "def_pos": list(pos),
                "def_end_pos": [pos[0], pos[1] + length],
            }
        )
    pieces.append(tactic[cursor:])
    return "".join(pieces), provenances


# ---------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------


def _check_tactic_in_proof(thm: DemoTheorem, tactic: str) -> None:
    lines = tactic.split("\n")
    proof = thm.proof_lines
    for i, text in enumerate(proof):
        col = text.find(lines[0])
        if col < 0:
            continue
        if len(lines) == 1:
            return
        following = proof[i + 1 : i + len(lines)]
        if len(following) == len(lines) - 1 and all(
            f[:col].strip() == "" and f[col:] == t for f, t in zip(following, lines[1:])
        ):
            return
    raise AssertionError(f"{thm.full_name}: tactic {tactic!r} not found in its proof")


def transitive_imports(imports: dict[str, list[str]]) -> dict[str, set[str]]:
    closure: dict[str, set[str]] = {}

    def visit(path: str, stack: tuple[str, ...]) -> set[str]:
        assert path not in stack, f"import cycle through {path}"
        if path not in closure:
            out: set[str] = set()
            for dep in imports[path]:
                assert dep in imports, f"{path} imports {dep}, which is not in the corpus"
                out |= {dep} | visit(dep, (*stack, path))
            closure[path] = out
        return closure[path]

    for path in imports:
        visit(path, ())
    return closure


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


def build(out_dir: Path) -> dict:
    core_premises, core_imports = build_core()
    demo_premises, demo_imports, theorems, sources = build_demo()
    premises = {**core_premises, **demo_premises}
    imports = {**core_imports, **demo_imports}
    closure = transitive_imports(imports)
    resolver = Resolver(premises)

    records = []
    used: set[str] = set()
    for thm in theorems:
        traced = []
        seen = set()
        for tactic, before, after in thm.thm.steps:
            _check_tactic_in_proof(thm, tactic)
            assert before != "no goals" and "⊢" in before, (thm.full_name, tactic)
            assert after == "no goals" or "⊢" in after, (thm.full_name, tactic)
            if (before, tactic, after) in seen:  # LeanDojo deduplicates identical steps
                continue
            seen.add((before, tactic, after))
            annotated, provs = annotate(tactic, thm.namespace, resolver)
            for prov in provs:
                path = prov["def_path"]
                used.add(prov["full_name"])
                if path == thm.path:
                    target = resolver.by_name[prov["full_name"]][0]
                    assert target.end < thm.start, (
                        f"{thm.full_name} uses {prov['full_name']}, defined later in {path}"
                    )
                else:
                    assert path in closure[thm.path], (
                        f"{thm.full_name} uses {prov['full_name']} from {path}, not imported"
                    )
            traced.append(
                {
                    "tactic": tactic,
                    "annotated_tactic": [annotated, provs],
                    "state_before": before,
                    "state_after": after,
                }
            )
        assert traced[-1]["state_after"] == "no goals" or any(
            t["state_after"] == "no goals" for t in traced
        ), thm.full_name
        records.append(
            (
                thm,
                {
                    "url": REPO_URL,
                    "commit": COMMIT,
                    "file_path": thm.path,
                    "full_name": thm.full_name,
                    "start": list(thm.start),
                    "end": list(thm.end),
                    "traced_tactics": traced,
                },
            )
        )

    # Random split by theorem, with a fixed seed.
    order = list(range(len(records)))
    random.Random(SEED).shuffle(order)
    split_of: dict[int, str] = {}
    counts = {"val": 0, "test": 0}
    for i in order:
        n = len(records[i][1]["traced_tactics"])
        for split, wanted in (("val", VAL_TACTICS), ("test", TEST_TACTICS)):
            if counts[split] < wanted and counts[split] + n <= wanted + 4:
                split_of[i] = split
                counts[split] += n
                break
        else:
            split_of[i] = "train"
    file_rank = {f[0]: k for k, f in enumerate(DEMO_FILES)}
    splits: dict[str, list[dict]] = {"train": [], "val": [], "test": []}
    for i in sorted(order, key=lambda i: (file_rank[records[i][0].path], records[i][0].start)):
        splits[split_of[i]].append(records[i][1])

    # Write everything.
    random_dir = out_dir / "random"
    random_dir.mkdir(parents=True, exist_ok=True)
    for split, items in splits.items():
        with open(random_dir / f"{split}.json", "w", encoding="utf-8") as fh:
            json.dump(items, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    order_paths = (
        [p for p, _, _ in demo_core.CORE_FILES]
        + [demo_core.INIT]
        + [f[0] for f in DEMO_FILES]
        + ["TacgenDemo.lean"]
    )
    assert set(order_paths) == set(premises)
    with open(out_dir / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for path in order_paths:
            entry = {
                "path": path,
                "imports": imports[path],
                "premises": [p.json() for p in premises[path]],
            }
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    lean_dir = out_dir / "lean"
    for path, text in sources.items():
        lean_path = lean_dir / path
        lean_path.parent.mkdir(parents=True, exist_ok=True)
        lean_path.write_text(text, encoding="utf-8")

    stats = {
        "theorems": {k: len(v) for k, v in splits.items()},
        "tactics": {k: sum(len(t["traced_tactics"]) for t in v) for k, v in splits.items()},
        "premises": sum(len(v) for v in premises.values()),
        "corpus_files": len(premises),
        "premises_used": len(used),
    }
    metadata = {
        "dataset_name": "tacgen demo",
        "creation_time": CREATION_TIME,
        "from_repo": {"url": REPO_URL, "commit": COMMIT},
        "leandojo_version": "n/a (hand-written)",
        "note": (
            "A small demo dataset in the LeanDojo Benchmark 4 format, written by hand by the "
            "tacgen team from Lean 4 proofs about Nat, List, Bool and logic (see README.md). "
            "It was not produced by tracing: the repository URL and commit are placeholders, "
            "and the proof states were written as Lean 4 pretty-prints them."
        ),
        "statistics": stats,
    }
    with open(out_dir / "metadata.json", "w", encoding="utf-8") as fh:
        json.dump(metadata, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(__file__).resolve().parents[1] / "src" / "tacgen" / "demo_data"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args()
    stats = build(args.out)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
