"""``ReplEnvironment``: proof search in real Lean through the Lean REPL.

The way DeepSeek-Prover, Goedel-Prover, Kimina and InternLM-StepProver search and check:

- a theorem is a statement (a statements file's ``formal_statement``, ending in ``:= by``)
  under its ``header``; the header runs once per REPL process and its ``env`` is reused;
- ``statement sorry`` runs as a command: its one ``sorry`` gives the root proof state and
  goal. A statement that does not elaborate (an error, or not exactly one ``sorry``) is
  :class:`EnvironmentCrash` (``env_error``) with Lean's message, never a failed proof. A
  header that fails to import shows up the same way (upstream REPL answers it with a plain
  ``env``, so its statements fail with unknown identifiers; an error is handled too);
- tactics run as proof steps. The state text is the goals joined by a blank line,
  LeanDojo's pretty-printed form that the models are trained on;
- a step ends the proof only with ``proofStatus == "Completed"``, no goals and no error
  message: the REPL reports a failing tactic inside a step as ``goals: []`` with an error
  and ``Incomplete: contains sorry`` (its ``test/invalid_tactic``), and a proof closed by
  ``sorry`` or ``admit`` the same way;
- every proof found is checked again as one whole command (header ``env`` + statement +
  the tactics indented under ``by``): no error, no ``sorry``. Tactic mode has accepted
  wrong proofs before (repl#44). A proof that fails this check is :class:`ProofRefuted`,
  reported as ``failed`` with the reason.

Faults: a tactic that does not answer in ``tactic_timeout`` seconds is a
:class:`TacticTimeout` (an error on that edge); the REPL is killed and restarted. A REPL
that crashes is restarted, the crash is an error on that edge, and states of the old
process are rebuilt when next used by replaying their tactic paths from the root (as is a
state the REPL no longer knows, ``Unknown proof state.``). The ``max_crashes``-th crash in
one theorem makes it ``env_error``, and the next theorem starts on a fresh process. A
worker's REPL is also restarted every ``restart_every`` theorems (memory grows over many
commands: repl#77), and killed, with its whole process group, by :meth:`shutdown`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tacgen.core.errors import TacgenError, UsageError
from tacgen.prover.environment import (
    Environment,
    EnvironmentCrash,
    Outcome,
    ProofFinished,
    ProofRefuted,
    ProofState,
    TacticFailed,
    TacticTimeout,
    Theorem,
)
from tacgen.prover.repl_process import ReplLocation, ReplLost, ReplProcess


@dataclass(frozen=True)
class ReplSettings:
    """How the REPL environment runs (the ``tacgen prove`` flags of the same names)."""

    project: str | None = None
    """The Lean project (requires Mathlib and the REPL, ``lake build`` done)."""
    repl_path: str | None = None
    """A built leanprover-community/repl folder; default ``PROJECT/.lake/packages/REPL``."""
    lake_path: str = "lake"
    """The ``lake`` executable."""
    tactic_timeout: float = 10.0
    """Seconds one tactic may take; past it, an error on that edge (the REPL restarts)."""
    command_timeout: float = 600.0
    """Seconds for a header, a statement, or a whole-proof check (importing Mathlib)."""
    repl_memory_mb: int | None = None
    """A hard memory limit of the REPL process, in MiB (none when None)."""
    repl_restart_every: int = 200
    """Theorems per REPL process before a fresh one (0: never)."""
    max_crashes: int = 3
    """Crashes in one theorem that make it ``env_error``."""

    def __post_init__(self) -> None:
        if self.tactic_timeout <= 0 or self.command_timeout <= 0:
            raise UsageError("--tactic-timeout and --command-timeout must be positive")
        if self.repl_restart_every < 0 or self.max_crashes < 1:
            raise UsageError("--repl-restart-every must be >= 0 and max_crashes >= 1")
        if self.repl_memory_mb is not None and self.repl_memory_mb < 1:
            raise UsageError(f"--repl-memory-mb must be positive, got {self.repl_memory_mb}")

    def location(self) -> ReplLocation:
        """Where the REPL runs.

        Raises:
            UsageError: without a project.
        """
        if not self.project:
            raise UsageError("--env repl needs --project DIR (a Lean project with the REPL)")
        return ReplLocation(self.project, self.repl_path, self.lake_path, self.repl_memory_mb)


def proof_body(statement: str, tactics: tuple[str, ...] | list[str]) -> str:
    """A statement (ending in ``:= by``) and its tactics, each indented under ``by``.

    Every line of a tactic is indented by two spaces, so a multi-line tactic keeps its
    layout (``induction n with`` and its alternatives).
    """
    lines = [statement.rstrip()]
    for tactic in tactics:
        lines += ["  " + line if line.strip() else "" for line in tactic.splitlines()]
    return "\n".join(lines) + "\n"


def proof_source(header: str, body: str) -> str:
    """A whole Lean file: the header, then the proof."""
    return f"{header.rstrip()}\n\n{body}" if header.strip() else body


@dataclass(frozen=True)
class _Handle:
    """A proof state of the open theorem: its REPL id in one process, and how to rebuild it."""

    generation: int
    proof_state: int
    path: tuple[str, ...] = field(default=())


class ReplEnvironment(Environment):
    """Tactics run in the Lean REPL, one process per worker, reused across theorems."""

    name = "repl"
    Settings = ReplSettings

    def __init__(self, settings: ReplSettings | None = None) -> None:
        """Checks the project, the built REPL and ``lean-interact``; starts no process.

        Raises:
            UsageError: when one of them is missing.
        """
        self.settings = settings or ReplSettings()
        self.process = ReplProcess(self.settings.location())
        self.li = self.process.li
        self._generation = 0
        self._fresh_next = False
        self._theorems_here = 0
        self._theorem: Theorem | None = None
        self._env = 0
        self._paths: dict[tuple[str, ...], int] = {}
        self._crashes = 0

    # ------------------------------------------------------------------ theorems

    def start(self, theorem: Theorem) -> ProofState:
        """Runs ``statement sorry`` in the header's ``env``; its sorry is the root state.

        Raises:
            EnvironmentCrash: the statement or header does not elaborate, or the REPL
                failed while starting it.
        """
        if not theorem.statement:
            raise EnvironmentCrash(
                f"{theorem.full_name} has no formal statement: --env repl proves the theorems "
                "of a statements file (.jsonl)"
            )
        every = self.settings.repl_restart_every
        if self._fresh_next or (every and self._theorems_here >= every):
            self._restart()
        self._theorem, self._crashes, self._paths = theorem, 0, {}
        self._theorems_here += 1
        try:
            return ProofState(*self._open_root())
        except ReplLost as lost:
            self._lost()
            self._fresh_next = True
            raise EnvironmentCrash(f"the REPL failed on the statement: {lost}") from lost

    def _open_root(self) -> tuple[str, _Handle]:
        theorem, li = self._theorem, self.li
        assert theorem is not None
        timeout = self.settings.command_timeout
        try:
            self._env = self.process.header_env(theorem.header, timeout)
        except ReplLost:  # a TacgenError too, but the caller's business
            raise
        except TacgenError as error:  # Lean's message about the header
            raise EnvironmentCrash(f"{error}") from error
        cmd = f"{theorem.statement.rstrip()} sorry"
        response = self.process.run(li.Command(cmd=cmd, env=self._env), timeout)
        if isinstance(response, li.LeanError):
            raise EnvironmentCrash(f"the statement does not elaborate: {response.message}")
        errors = response.get_errors()
        if errors:
            raise EnvironmentCrash(f"the statement does not elaborate: {errors[0].data}")
        sorries = response.sorries
        if len(sorries) != 1 or sorries[0].proof_state is None:
            raise EnvironmentCrash(
                f"the statement gave {len(sorries)} sorries with proof states, not exactly one"
            )
        self._paths[()] = sorries[0].proof_state
        return sorries[0].goal, _Handle(self._generation, sorries[0].proof_state)

    def close(self) -> None:
        """Forgets the theorem (the process stays, for the next one)."""
        self._theorem, self._paths = None, {}

    def shutdown(self) -> None:
        """Kills the REPL process and its whole group."""
        self.process.kill()

    def _restart(self) -> None:
        self.process.kill()
        self._lost()
        self._fresh_next = False
        self._theorems_here = 0

    def _lost(self) -> None:
        """The process is gone: every handle of it is stale."""
        self._generation += 1
        self._paths = {}

    # ------------------------------------------------------------------ tactics

    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        """Runs one tactic as a proof step (see the module docstring for each outcome).

        Raises:
            TacticTimeout: the tactic ran past ``tactic_timeout`` (the REPL restarts).
            EnvironmentCrash: the ``max_crashes``-th crash of this theorem, or a state that
                cannot be rebuilt.
        """
        handle: _Handle = state.handle
        try:
            response = self._step(handle, tactic)
        except ReplLost as lost:
            self._lost()
            if lost.timed_out:
                raise TacticTimeout(f"{tactic!r}: {lost}") from lost
            self._crashes += 1
            if self._crashes >= self.settings.max_crashes:
                self._fresh_next = True
                raise EnvironmentCrash(
                    f"the REPL crashed {self._crashes} times on this theorem; last: {lost}"
                ) from lost
            return TacticFailed(f"the REPL crashed (restarted): {lost}")
        return self._outcome((*handle.path, tactic), response)

    def _step(self, handle: _Handle, tactic: str) -> Any:
        """The REPL's response to the tactic, the state rebuilt first when stale."""
        li = self.li
        for attempt in range(2):
            stale = attempt > 0 or handle.generation != self._generation
            proof_state = self._rebuild(handle.path) if stale else handle.proof_state
            response = self.process.run(
                li.ProofStep(proof_state=proof_state, tactic=tactic), self.settings.tactic_timeout
            )
            unknown = isinstance(response, li.LeanError) and response.message.startswith(
                "Unknown proof state"
            )
            if not unknown:
                return response
            self._lost()  # the REPL no longer knows its states (restarted behind our back)
        raise EnvironmentCrash(f"the REPL lost a proof state it had just rebuilt: {tactic!r}")

    def _rebuild(self, path: tuple[str, ...]) -> int:
        """The id of the state reached by ``path`` in this process (replayed from the root)."""
        if path in self._paths:
            return self._paths[path]
        if not path:
            return self._open_root()[1].proof_state
        parent = self._rebuild(path[:-1])
        response = self.process.run(
            self.li.ProofStep(proof_state=parent, tactic=path[-1]), self.settings.tactic_timeout
        )
        outcome = self._outcome(path, response, check=False)
        if not isinstance(outcome, ProofState):
            raise EnvironmentCrash(f"replaying {path[-1]!r} after a restart gave {outcome}")
        proof_state: int = outcome.handle.proof_state
        return proof_state

    def _outcome(self, path: tuple[str, ...], response: Any, check: bool = True) -> Outcome:
        li = self.li
        if isinstance(response, li.LeanError):
            return TacticFailed(response.message)
        assert isinstance(response, li.ProofStepResponse)
        errors = response.get_errors()
        if errors:
            return TacticFailed(errors[0].data)
        status = response.proof_status
        if not response.goals:
            if status != "Completed":  # a sorry, a metavariable, a kernel error
                return TacticFailed(f"no goals left, but proof status: {status}")
            return self._check_whole(path) if check else TacticFailed("completed")
        self._paths[path] = response.proof_state
        return ProofState(
            "\n\n".join(response.goals), _Handle(self._generation, response.proof_state, path)
        )

    # ------------------------------------------------------------------ the whole proof

    def _check_whole(self, tactics: tuple[str, ...]) -> ProofFinished | ProofRefuted:
        theorem = self._theorem
        assert theorem is not None
        body = proof_body(theorem.statement, tactics)
        try:
            env = self.process.header_env(theorem.header, self.settings.command_timeout)
            command = self.li.Command(cmd=body, env=env)
            response = self.process.run(command, self.settings.command_timeout)
        except ReplLost as error:
            self._lost()
            if not error.timed_out:  # Lean crashed: that says nothing about the proof
                raise EnvironmentCrash(f"the REPL died in the whole-proof check: {error}") from None
            return ProofRefuted(f"the whole proof did not check in time: {error}")
        except TacgenError as error:
            self._lost()
            return ProofRefuted(f"the whole-proof check did not run: {error}")
        reason = whole_proof_problem(self.li, response)
        if reason is not None:
            return ProofRefuted(f"the whole proof fails its check: {reason}")
        return ProofFinished(proof_source(theorem.header, body))


def whole_proof_problem(li: Any, response: Any) -> str | None:
    """Why a command's response does not check a whole proof, or None when it does.

    Args:
        li: the ``lean_interact`` module.
        response: the REPL's response to the proof as one command.
    """
    if isinstance(response, li.LeanError):
        return response.message
    errors = response.get_errors()
    if errors:
        return str(errors[0].data)
    if response.sorries:
        return "it contains sorry"
    for message in response.messages:
        if message.data in ("declaration uses 'sorry'", "declaration uses `sorry`"):
            return "it contains sorry"
    return None
