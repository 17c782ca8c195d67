"""Ray actors for proof search (``tacgen prove --ray-address``): an optional extra.

Each actor holds an environment and a generator (a ``RemoteGenerator`` to a shared server,
or a model of its own, both from :func:`~tacgen.prover.generators.build_generator`) and
proves one theorem per call; the driver writes the results.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.prover.environment import Theorem
from tacgen.prover.generators import GeneratorSpec
from tacgen.prover.search import SearchConfig
from tacgen.prover.tracing import Traced


class _Prover:
    def __init__(
        self, env_name: str, settings: Any, spec: GeneratorSpec, config: SearchConfig
    ) -> None:
        from tacgen.prover.environments import make_environment
        from tacgen.prover.generators import build_generator

        self.env = make_environment(env_name, settings)
        self.generator = build_generator(spec)
        self.config = config

    def prove(self, theorem: Theorem, trace: bool) -> Traced:
        from tacgen.prover.tracing import prove_one

        return prove_one(theorem, self.env, self.generator, self.config, trace)

    def shutdown(self) -> None:
        self.env.shutdown()


def run_on_ray(
    theorems: list[Theorem],
    env_name: str,
    settings: Any,
    spec: GeneratorSpec,
    config: SearchConfig,
    workers: int,
    address: str,
    trace: bool = False,
) -> Iterator[Traced]:
    """Results of proving ``theorems`` on ``workers`` actors, in the order they finish,
    each with its search tree when ``trace`` (trees cross from the actors only then)."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise UsageError("--ray-address needs Ray: pip install 'tacgen[ray]'") from None
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    started = not ray.is_initialized()
    if started:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    try:
        actor = ray.remote(num_cpus=0)(_Prover)  # the model's threads are not Ray's business
        actors = [actor.remote(env_name, settings, spec, config) for _ in range(workers)]
        try:
            pool = ActorPool(actors)
            yield from pool.map_unordered(lambda a, t: a.prove.remote(t, trace), theorems)
        finally:  # no REPL outlives the run; a dead actor has nothing left to end
            with contextlib.suppress(Exception):
                ray.get([a.shutdown.remote() for a in actors], timeout=60)  # type: ignore[attr-defined]
    finally:
        if started:
            ray.shutdown()
