"""A stand-in for ``lean_dojo`` with its names and behaviour, driven by a script.

Lean cannot be installed on tacgen's development machines; the LeanDojo adapter is tested
against this module. ``SCRIPT`` maps a theorem's full name to its transitions: state text ->
tactic -> the next state text, ``"proved"``, ``"error: msg"``, ``"given up"``, ``"timeout"``
or ``"crash"``; a name missing from it fails to start (``DojoInitError``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT: dict[str, dict[str, dict[str, str]]] = {}
INITIAL: dict[str, str] = {}
OPENED: list[str] = []
CLOSED: list[str] = []


@dataclass(frozen=True)
class LeanGitRepo:
    url: str
    commit: str


@dataclass(frozen=True)
class Theorem:
    repo: LeanGitRepo
    file_path: Path | str
    full_name: str


@dataclass(frozen=True)
class TacticState:
    pp: str
    id: int = field(compare=False)
    message: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProofFinished:
    tactic_state_id: int
    message: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProofGivenUp:
    pass


@dataclass(frozen=True)
class LeanError:
    error: str


class DojoCrashError(Exception):
    pass


class DojoTacticTimeoutError(Exception):
    pass


class DojoInitError(Exception):
    pass


class _Dojo:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ids = 0

    def run_tac(self, state: TacticState, tactic: str) -> Any:
        outcome = SCRIPT[self.name].get(state.pp, {}).get(tactic, "error: unknown tactic")
        self.ids += 1
        if outcome == "proved":
            return ProofFinished(self.ids)
        if outcome == "given up":
            return ProofGivenUp()
        if outcome == "timeout":
            raise DojoTacticTimeoutError()
        if outcome == "crash":
            raise DojoCrashError("Unexpected EOF")
        if outcome.startswith("error: "):
            return LeanError(outcome[len("error: ") :])
        return TacticState(outcome, self.ids)


class Dojo:
    def __init__(self, entry: Theorem, timeout: int = 600, additional_imports: Any = ()) -> None:
        self.entry = entry
        self.timeout = timeout

    def __enter__(self) -> tuple[_Dojo, TacticState]:
        name = self.entry.full_name
        if name not in SCRIPT:
            raise DojoInitError(f"cannot trace {name}")
        OPENED.append(name)
        return _Dojo(name), TacticState(INITIAL[name], 0)

    def __exit__(self, *exc: Any) -> None:
        CLOSED.append(self.entry.full_name)
