"""One theorem's search, traced when asked: what the runner and the Ray actors both call."""

from __future__ import annotations

from typing import Any

from tacgen.generator.interface import TacticGenerator
from tacgen.prover.environment import Environment, Theorem
from tacgen.prover.search import ProofResult, SearchConfig, best_first_search

Traced = tuple[ProofResult, dict[str, Any] | None]
"""A result, and its search tree when the run is traced."""


def prove_one(
    theorem: Theorem,
    env: Environment,
    generator: TacticGenerator,
    config: SearchConfig,
    trace: bool = False,
) -> Traced:
    """One theorem's search, with its trace record when ``trace`` (else None, and no
    observer: an untraced search does no extra work)."""
    if not trace:
        return best_first_search(theorem, env, generator, config), None
    from tacgen.prover.observer import TraceRecorder

    recorder = TraceRecorder()
    result = best_first_search(theorem, env, generator, config, recorder)
    return result, recorder.record(result.full_name, result.file_path, result.status)
