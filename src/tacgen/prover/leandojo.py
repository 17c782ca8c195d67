"""``LeanDojoEnvironment``: proof search in real Lean through ``lean_dojo.Dojo``.

``lean_dojo`` is an optional dependency, imported only when this environment is made.
Lean cannot be installed on tacgen's development machines: this adapter is tested against
a fake module with LeanDojo's names and behaviour, not against real Lean.

Mapping of LeanDojo's results: ``TacticState`` -> :class:`ProofState` (its ``pp`` text),
``ProofFinished`` -> :class:`ProofFinished`, ``LeanError`` and ``ProofGivenUp`` ->
:class:`TacticFailed`; ``DojoTacticTimeoutError`` -> :class:`TacticTimeout` (an error on
that edge); ``DojoInitError``, ``DojoCrashError`` and any failure to start ->
:class:`EnvironmentCrash` (``env_error``, not a failed proof).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tacgen.core.errors import UsageError, one_line
from tacgen.prover.environment import (
    Environment,
    EnvironmentCrash,
    Outcome,
    ProofFinished,
    ProofState,
    TacticFailed,
    TacticTimeout,
    Theorem,
)


def _import_lean_dojo() -> Any:
    try:
        import lean_dojo
    except ImportError as error:
        raise UsageError(
            f"--env leandojo needs the lean_dojo package (pip install lean-dojo) and Lean: {error}"
        ) from None
    return lean_dojo


@dataclass(frozen=True)
class LeanDojoSettings:
    """How LeanDojo is run."""

    timeout: float = 600.0
    """Seconds for each interaction with Lean (``Dojo(timeout=)``). In lean-dojo 4.20 it
    limits every single interaction (entering the theorem, each tactic), not the whole
    theorem: the search's own ``--timeout`` limits the theorem. ``tacgen prove`` passes its
    ``--timeout``, so no one tactic can outlast the theorem's budget."""


class LeanDojoEnvironment(Environment):
    """One ``Dojo`` per theorem; tactics run in Lean."""

    name = "leandojo"
    Settings = LeanDojoSettings

    def __init__(self, settings: LeanDojoSettings | None = None) -> None:
        """Checks that ``lean_dojo`` imports.

        Args:
            settings: LeanDojo's per-interaction time limit (the defaults when None).
        """
        self.lean_dojo = _import_lean_dojo()
        self.timeout = int((settings or LeanDojoSettings()).timeout)
        self._context: Any = None
        self._dojo: Any = None

    def start(self, theorem: Theorem) -> ProofState:
        """Enters a ``Dojo`` for the theorem; its initial ``TacticState``."""
        ld = self.lean_dojo
        try:
            repo = ld.LeanGitRepo(theorem.url, theorem.commit)
            target = ld.Theorem(repo, theorem.file_path, theorem.full_name)
            self._context = ld.Dojo(target, timeout=self.timeout)
            self._dojo, initial = self._context.__enter__()
        except Exception as error:  # DojoInitError, a crash, a missing repository
            self._context = None
            raise EnvironmentCrash(
                f"cannot start {theorem.full_name}: {_describe(error)}"
            ) from error
        return ProofState(initial.pp, initial)

    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        """Runs the tactic in Lean."""
        ld = self.lean_dojo
        if self._dojo is None:
            raise EnvironmentCrash("no theorem is open")
        try:
            result = self._dojo.run_tac(state.handle, tactic)
        except ld.DojoTacticTimeoutError as error:
            raise TacticTimeout(_describe(error)) from error
        except Exception as error:  # DojoCrashError ("Unexpected EOF"), a dead process
            raise EnvironmentCrash(f"Lean crashed: {_describe(error)}") from error
        if isinstance(result, ld.TacticState):
            return ProofState(result.pp, result)
        if isinstance(result, ld.ProofFinished):
            return ProofFinished()
        if isinstance(result, ld.LeanError):
            return TacticFailed(str(result.error))
        return TacticFailed(type(result).__name__)  # ProofGivenUp (sorry), anything else

    def close(self) -> None:
        """Leaves the ``Dojo`` (its Lean process ends)."""
        context, self._context, self._dojo = self._context, None, None
        if context is not None:
            try:
                context.__exit__(None, None, None)
            except Exception as error:
                raise EnvironmentCrash(f"closing Lean failed: {_describe(error)}") from error


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {one_line(error)}"
