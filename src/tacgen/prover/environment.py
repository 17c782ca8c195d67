"""The environment interface of proof search, and the theorems it proves.

An environment starts a theorem, runs tactics on proof states and is closed after each
theorem. A crash (or a theorem that cannot be started) raises :class:`EnvironmentCrash`,
which search records as ``env_error``, never as a failed proof; a tactic that runs too
long raises :class:`TacticTimeout`, recorded as an error on that edge.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tacgen.core.errors import TacgenError
from tacgen.core.records import Position, Query


class EnvironmentCrash(TacgenError):
    """The environment crashed, hung, or could not start the theorem."""


class TacticTimeout(TacgenError):
    """One tactic ran past the environment's time limit."""


@dataclass(frozen=True)
class TracedStep:
    """One traced tactic of a theorem, formatted as the generator sees it."""

    state_before: str
    """The formatted state the tactic ran on."""
    tactic: str
    """The formatted tactic, marks removed."""
    state_after: str
    """The formatted state after it (``no goals`` when it closed the proof)."""


@dataclass(frozen=True)
class Theorem:
    """A theorem to prove: where it is, and its traced proof when the data has one."""

    full_name: str
    """Fully qualified name."""
    file_path: str
    """Lean file, relative to the repository."""
    url: str
    """Repository URL."""
    commit: str
    """Traced commit."""
    start: Position
    """(line, column) where the theorem starts."""
    traced: tuple[TracedStep, ...] = ()
    """Its traced tactics, in order (what the replay environment replays)."""
    statement: str = ""
    """Its Lean statement ending in ``:= by`` (a statements file's ``formal_statement``),
    for environments that elaborate it (the REPL); empty for LeanDojo splits."""
    header: str = ""
    """What the statement needs before it (``import Mathlib``, ``open ...``)."""

    @property
    def key(self) -> tuple[str, str]:
        """(file_path, full_name): how results files name a theorem."""
        return (self.file_path, self.full_name)

    @property
    def imports(self) -> tuple[str, ...]:
        """The modules its header imports (none without a header)."""
        return header_imports(self.header)

    def query(self, state: str, proof_before: tuple[str, ...] = ()) -> Query:
        """The generator's query for a state of this theorem: the state, where the theorem
        is (file, name, start, header imports), which decides the premises that a retriever
        may return, and the tactics that led to the state (causal prompt templates show
        them).

        Args:
            state: the formatted proof state.
            proof_before: the tactics on the search path from the root to the state.
        """
        return Query(state, self.file_path, self.full_name, self.start, self.imports, proof_before)


def header_imports(header: str) -> tuple[str, ...]:
    """The modules that a Lean header's ``import`` lines name, in order.

    Args:
        header: Lean source before a statement (``import Mathlib\nopen Real``).

    Returns:
        The module names (``import A B`` names two).
    """
    modules: list[str] = []
    for line in header.splitlines():
        words = line.split("--", 1)[0].split()
        if words[:1] == ["import"]:
            modules.extend(words[1:])
    return tuple(dict.fromkeys(modules))


@dataclass(frozen=True)
class ProofState:
    """A state of the proof, as text, with the environment's own handle to it."""

    text: str
    """The pretty-printed state (what the generator is asked about)."""
    handle: Any = field(default=None, compare=False)
    """The environment's object for it (LeanDojo's ``TacticState``)."""


@dataclass(frozen=True)
class ProofFinished:
    """The tactic closed every goal."""

    source: str = ""
    """The whole proof as Lean source, when the environment checked it as one (the REPL)."""


@dataclass(frozen=True)
class ProofRefuted:
    """The tactics closed every goal step by step, but the whole proof failed its check."""

    reason: str


@dataclass(frozen=True)
class TacticFailed:
    """The tactic did not apply (Lean's error message)."""

    message: str


Outcome = ProofState | ProofFinished | ProofRefuted | TacticFailed
"""What running a tactic gives."""


class Environment(ABC):
    """Runs tactics on the proof states of one theorem at a time.

    A subclass is made from one argument, an instance of its ``Settings`` (a frozen
    dataclass whose fields all have defaults), and is listed in
    :data:`tacgen.prover.environments.ENVIRONMENTS`.
    """

    name: str
    """Short name (``replay``, ``leandojo``, ``repl``): results record it."""
    Settings: ClassVar[type[Any]]
    """Its typed settings."""

    def __init__(self, settings: Any = None) -> None:  # noqa: B027 - subclasses keep theirs
        """Makes the environment from its ``Settings`` (None: the defaults)."""

    @abstractmethod
    def start(self, theorem: Theorem) -> ProofState:
        """Opens a theorem and returns its initial state.

        Raises:
            EnvironmentCrash: when the theorem cannot be started.
        """

    @abstractmethod
    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        """Runs a tactic on a state of the open theorem.

        Raises:
            TacticTimeout: when the tactic runs too long.
            EnvironmentCrash: when the environment crashes.
        """

    def close(self) -> None:  # noqa: B027 - a no-op is right for environments without state
        """Closes the open theorem (called after each theorem, whatever happened)."""

    def shutdown(self) -> None:  # noqa: B027 - a no-op is right for environments without state
        """Ends what the environment keeps between theorems (a REPL process); called once,
        when its worker has no more theorems, whatever happened."""
