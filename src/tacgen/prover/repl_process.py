"""One Lean REPL process (leanprover-community/repl) through ``lean-interact``.

``lean-interact`` (the optional extra ``tacgen[lean]``, imported only here, inside
functions) starts ``lake env <repl>/.lake/build/bin/repl`` in the project, in a session of
its own, frames the requests and parses the answers. What it lacks is written here:

- every header runs once per process, and its ``env`` is reused by every theorem;
- a REPL that died, hung or stopped answering is killed as a whole process group (``lake
  env`` starts the REPL as a child and waits; it does not exec, so killing ``lake`` alone
  would leave the REPL running) and a fresh one is started on the next request, with the
  headers run again. ``AutoLeanServer``'s own session cache is used for the headers only,
  and a new server replaces one that crashed, because its restart after a stack overflow
  can reuse a broken cache (LeanInteract#36);
- every request carries a timeout (``lean-interact``'s default is none);
- requests go without lean-interact's ``incrementality`` and ``Elab.async`` additions, so
  that projects on older Lean (miniF2F's statements were written for Lean 4.9) work too.

:class:`ReplLost` is what any failure of the process becomes; what it means for a theorem
(a tactic error, a crash, ``env_error``) is the environment's business (``repl.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tacgen.core.errors import TacgenError, UsageError, one_line


class ReplLost(TacgenError):
    """The REPL process crashed, hung past the timeout, or answered garbage; it is gone."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out
        """True when it did not answer in time (a per-tactic timeout, or a hang)."""


@dataclass(frozen=True)
class ReplLocation:
    """Where the REPL runs, and its limits."""

    project: str
    """The Lean project (``lean-toolchain``, ``lake build`` done) the REPL runs in."""
    repl_path: str | None = None
    """The REPL's own folder (``.lake/build/bin/repl`` inside); by default the project's
    ``.lake/packages/REPL`` (the REPL required as a Lake dependency)."""
    lake_path: str = "lake"
    """The ``lake`` to run it with."""
    memory_mb: int | None = None
    """A hard memory limit for the process (``RLIMIT_AS``), in MiB."""

    def repl_dir(self) -> Path:
        """The REPL folder (the default one when none was given)."""
        if self.repl_path is not None:
            return Path(self.repl_path).expanduser()
        return Path(self.project).expanduser() / ".lake" / "packages" / "REPL"

    def check(self) -> None:
        """Fails in one line when the project or the built REPL is missing.

        Raises:
            UsageError: what is missing, and what to do.
        """
        project = Path(self.project).expanduser()
        if not (project / "lean-toolchain").is_file():
            raise UsageError(f"--project {project} is not a Lean project (no lean-toolchain)")
        binary = self.repl_dir() / ".lake" / "build" / "bin" / "repl"
        if not binary.is_file():
            raise UsageError(
                f"no REPL built at {binary}: run `lake build repl` in the project that requires "
                "it, or give --repl-path DIR of a built leanprover-community/repl"
            )


def _lean_interact() -> Any:
    """The ``lean-interact`` names used here, in one namespace."""
    try:
        import lean_interact
        from lean_interact import interface
    except ImportError as error:
        raise UsageError(
            f"--env repl needs lean-interact: pip install 'tacgen[lean]' ({error})"
        ) from None
    return SimpleNamespace(
        LocalProject=lean_interact.LocalProject,
        LeanREPLConfig=lean_interact.LeanREPLConfig,
        AutoLeanServer=lean_interact.AutoLeanServer,
        Command=interface.Command,
        ProofStep=interface.ProofStep,
        LeanError=interface.LeanError,
        ProofStepResponse=interface.ProofStepResponse,
    )


class ReplProcess:
    """A lazily started REPL with its headers' environments; restartable."""

    def __init__(self, location: ReplLocation) -> None:
        """Checks the location and that ``lean-interact`` imports; starts nothing.

        Raises:
            UsageError: when something needed is missing.
        """
        location.check()
        self.location = location
        self.li = _lean_interact()
        self._config: Any = None
        self._server: Any = None
        self._group: int | None = None
        self._headers: dict[str, int] = {}
        self.starts = 0
        """Processes started so far (the first one included)."""

    @property
    def alive(self) -> bool:
        """Whether a process is running now."""
        return self._server is not None and self._server.is_alive()

    def _start(self) -> None:
        li = self.li
        location = self.location
        if self._config is None:
            project = li.LocalProject(
                directory=str(Path(location.project).expanduser()),
                lake_path=location.lake_path,
                auto_build=False,
            )
            self._config = li.LeanREPLConfig(
                project=project,
                local_repl_path=str(location.repl_dir()),
                build_repl=False,
                lake_path=location.lake_path,
                memory_hard_limit_mb=location.memory_mb,
                enable_incremental_optimization=False,  # a field older REPLs lack
                enable_parallel_elaboration=False,  # Elab.async: Lean >= 4.19 only
            )
        try:
            self._server = li.AutoLeanServer(
                self._config, max_total_memory=0.95, max_restart_attempts=1
            )
        except Exception as error:
            raise ReplLost(f"the REPL did not start: {one_line(error)}") from error
        self._group = self._server._proc.pid  # its own session: the group of lake and the REPL
        self._headers = {}
        self.starts += 1

    def run(self, request: Any, timeout: float, cache: bool = False) -> Any:
        """Sends one request (starting the process first when none runs).

        Args:
            request: a ``lean_interact`` ``Command`` or ``ProofStep``.
            timeout: seconds to wait for the answer.
            cache: keep the command in ``AutoLeanServer``'s session cache (headers).

        Returns:
            The parsed response (``CommandResponse``, ``ProofStepResponse``, ``LeanError``).

        Raises:
            ReplLost: the process is gone (and killed, with its group); the next request
                starts a fresh one.
        """
        if not self.alive:
            self.kill()
            self._start()
        # lean-interact kills only the process tree it can still see from lake: a REPL
        # whose lake died keeps its stdout open, and closing that pipe then blocks. The
        # watchdog kills the whole group just after the timeout, which unblocks it.
        watchdog = threading.Timer(timeout + 1.0, _kill_group, (self._group,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return self._server.run(request, timeout=timeout, add_to_session_cache=cache)
        except TimeoutError as error:
            self.kill()
            raise ReplLost(f"no answer in {timeout:g} s", timed_out=True) from error
        except (OSError, ValueError, json.JSONDecodeError, MemoryError, AssertionError) as error:
            # ConnectionAbortedError and ChildProcessError are OSErrors; a response that
            # does not parse (a REPL killed mid-answer) is a ValueError.
            self.kill()
            raise ReplLost(f"the REPL died: {_first_line(error)}") from error
        finally:
            watchdog.cancel()

    def header_env(self, header: str, timeout: float) -> int:
        """The ``env`` of a header in this process (run now, the first time).

        Raises:
            ReplLost: the process is gone.
            TacgenError: Lean's message when the header does not elaborate.
        """
        if header in self._headers and self.alive:
            return self._headers[header]
        if not self.alive:
            self.kill()
            self._start()
        li = self.li
        response = self.run(li.Command(cmd=header), timeout, cache=True)
        if isinstance(response, li.LeanError):
            raise TacgenError(f"the header does not elaborate: {response.message}")
        errors = response.get_errors()
        if errors:
            raise TacgenError(f"the header does not elaborate: {errors[0].data}")
        self._headers[header] = response.env
        return int(response.env)

    def kill(self) -> None:
        """Ends the process and its whole group (nothing of it survives); idempotent."""
        server, group = self._server, self._group
        self._server, self._group, self._headers = None, None, {}
        _kill_group(group)  # first, so that lean-interact's kill finds them all dead
        if server is not None:
            with contextlib.suppress(Exception):
                server.kill()  # reaps lake, closes the pipes


def _kill_group(group: int | None) -> None:
    if group is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


def _first_line(error: BaseException) -> str:
    """The first line of an error, and the first line of the REPL's stderr that
    ``lean-interact`` quotes in it (``Stack overflow detected. Aborting.``)."""
    lines = [line.strip() for line in str(error).splitlines()]
    text = f"{type(error).__name__}: {lines[0] if lines else ''}"
    if "stderr:" in lines:
        after = lines[lines.index("stderr:") + 1 :]
        said = next((line for line in after if line and not line.startswith("---")), "")
        if said:
            text += f" (stderr: {said})"
    return text
