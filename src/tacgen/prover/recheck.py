"""Checking the proofs of a results file again, each as a whole Lean file, in a fresh REPL.

``tacgen check`` runs this after a search (or on someone else's results): every ``proved``
line's ``proof_source`` is split into its imports (run once per distinct set, their
``env`` reused) and the rest (``open``, options, the theorem and its proof), which runs as
one command. A proof is confirmed when that command gives no error and no ``sorry``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tacgen.core.errors import TacgenError
from tacgen.prover.repl import ReplSettings, whole_proof_problem
from tacgen.prover.repl_process import ReplLost, ReplProcess


@dataclass(frozen=True)
class Verdict:
    """What checking one proof gave."""

    name: str
    confirmed: bool
    reason: str | None = None
    """Why it was refuted."""


def split_imports(source: str) -> tuple[str, str]:
    """(the leading ``import`` lines, the rest) of a Lean file."""
    lines = source.splitlines()
    cut = 0
    for i, line in enumerate(lines):
        if line.startswith("import "):
            cut = i + 1
        elif line.strip() and not line.lstrip().startswith("--"):
            break
    return "\n".join(lines[:cut]), "\n".join(lines[cut:]).strip("\n") + "\n"


def check_proofs(rows: Iterable[dict[str, Any]], settings: ReplSettings) -> Iterator[Verdict]:
    """Checks every ``proved`` row's ``proof_source`` in a REPL process of its own.

    Args:
        rows: results, as read by ``read_results``.
        settings: where the REPL runs, and its command timeout.

    Yields:
        One verdict per proved row, in order (a proved row without ``proof_source`` is
        refuted: there is nothing to check).
    """
    process = ReplProcess(settings.location())
    try:
        for row in rows:
            if row.get("status") != "proved":
                continue
            name = str(row.get("full_name"))
            source = row.get("proof_source")
            if not isinstance(source, str) or not source.strip():
                yield Verdict(name, False, "no proof_source to check")
                continue
            reason = _check_one(process, source, settings.command_timeout)
            yield Verdict(name, reason is None, reason)
    finally:
        process.kill()


def _check_one(process: ReplProcess, source: str, timeout: float) -> str | None:
    header, body = split_imports(source)
    li = process.li
    try:
        if header:
            command = li.Command(cmd=body, env=process.header_env(header, timeout))
        else:
            command = li.Command(cmd=body)
        response = process.run(command, timeout)
    except ReplLost as lost:
        return f"the REPL failed: {lost}"
    except TacgenError as error:
        return str(error)
    return whole_proof_problem(li, response)
