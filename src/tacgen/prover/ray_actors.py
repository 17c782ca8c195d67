"""Ray actors for proof search (``tacgen prove --ray-address``): an optional extra.

Each actor holds an environment and a generator (a ``RemoteGenerator`` to a shared server,
or a model of its own) and proves one theorem per call; the driver writes the results.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.prover.environment import Theorem
from tacgen.prover.search import ProofResult, SearchConfig


def _generator(spec: dict[str, Any]) -> Any:
    if "server" in spec:
        from tacgen.serving.remote import RemoteGenerator

        return RemoteGenerator(spec["server"])
    from tacgen.generator.inference import load_generator

    return load_generator(**spec)


class _Prover:
    def __init__(
        self, env_name: str, settings: Any, spec: dict[str, Any], config: SearchConfig
    ) -> None:
        from tacgen.prover.environments import make_environment

        self.env = make_environment(env_name, settings)
        self.generator = _generator(spec)
        self.config = config

    def prove(self, theorem: Theorem) -> ProofResult:
        from tacgen.prover.search import best_first_search

        return best_first_search(theorem, self.env, self.generator, self.config)


def run_on_ray(
    theorems: list[Theorem],
    env_name: str,
    settings: Any,
    spec: dict[str, Any],
    config: SearchConfig,
    workers: int,
    address: str,
) -> Iterator[ProofResult]:
    """Results of proving ``theorems`` on ``workers`` actors, in the order they finish."""
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
        pool = ActorPool([actor.remote(env_name, settings, spec, config) for _ in range(workers)])
        yield from pool.map_unordered(lambda a, t: a.prove.remote(t), theorems)
    finally:
        if started:
            ray.shutdown()
