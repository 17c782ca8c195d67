"""A fake Lean for the REPL environment: a project, a "built" REPL and a ``lake``, all
fakes (``tests/fake_repl``) that the real ``lean-interact`` code path starts and talks to.

The fake REPL answers from the demo split's traced states, so the theorems of
``tacgen:demo/statements.jsonl`` behave under it as their traced proofs do under replay.
"""

from __future__ import annotations

import functools
import json
import os
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import DEMO_DATA
from tacgen.prover.environment import Theorem
from tacgen.prover.statements import load_statements
from tacgen.prover.theorems import load_theorems

FAKE = Path(__file__).resolve().parent / "fake_repl"
STATEMENTS = DEMO_DATA / "statements.jsonl"


def _script(path: Path, target: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{target}" "$@"\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@functools.cache
def traced_by_name() -> dict[str, Theorem]:
    """The demo's traced theorems (every split), by full name."""
    found: dict[str, Theorem] = {}
    for split in ("train", "val", "test"):
        found.update(
            {t.full_name: t for t in load_theorems(DEMO_DATA / "random" / f"{split}.json")}
        )
    return found


@dataclass
class FakeLean:
    """Paths of a fake Lean installation and what its REPL processes logged."""

    project: Path
    repl: Path
    lake: Path
    log: Path

    def settings(self, **overrides: Any) -> Any:
        """``ReplSettings`` pointing at the fakes."""
        from tacgen.prover.repl import ReplSettings

        base = {"project": str(self.project), "repl_path": str(self.repl)}
        return ReplSettings(**{**base, "lake_path": str(self.lake), **overrides})

    def flags(self) -> list[str]:
        """The same, as ``tacgen prove`` / ``tacgen check`` flags."""
        return ["--project", str(self.project), "--repl-path", str(self.repl),
                "--lake-path", str(self.lake)]  # fmt: skip

    def lines(self, prefix: str = "") -> list[str]:
        """Logged lines (of every process) that start with ``prefix``."""
        if not self.log.is_file():
            return []
        return [x for x in self.log.read_text("utf-8").splitlines() if x.startswith(prefix)]

    def pids(self) -> list[int]:
        """Every fake REPL process started, in order."""
        return [int(line.split()[1]) for line in self.lines("start ")]


def make_fake_lean(root: Path, monkeypatch: Any) -> FakeLean:
    """Writes the fakes under ``root`` and points ``FAKE_REPL_LOG`` at its log."""
    traced = traced_by_name()
    project, repl = root / "project", root / "repl"
    project.mkdir(parents=True)
    (project / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n", encoding="utf-8")
    theorems, headers = {}, set()
    for statement in load_statements(STATEMENTS):
        steps = traced[statement.full_name].traced
        theorems[statement.statement] = [[s.state_before, s.tactic, s.state_after] for s in steps]
        headers.add(statement.header)
    data = {"headers": sorted(headers), "theorems": theorems}
    (project / "fake_repl_data.json").write_text(json.dumps(data), encoding="utf-8")
    _script(repl / ".lake" / "build" / "bin" / "repl", FAKE / "repl.py")
    (repl / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n", encoding="utf-8")
    lake = root / "bin" / "lake"
    _script(lake, FAKE / "lake.py")
    log = root / "fake_repl.log"
    monkeypatch.setenv("FAKE_REPL_LOG", str(log))
    return FakeLean(project, repl, lake, log)


def dead(pid: int, within: float = 5.0) -> bool:
    """Whether a process is gone (or a zombie), waiting up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                if handle.read().split(")")[-1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return False
