"""Running proof search over many theorems: one worker, N threads, or Ray actors.

Results go to ``results.jsonl`` as each theorem ends (:class:`ResultsWriter`), so a rerun
with the same file skips what is done.

``workers > 1`` runs N worker threads in one process. They share one generator through
:class:`~tacgen.serving.shared.SharedGenerator`, which decodes their concurrent expansions
together: one model in memory (not N), and full batches for a GPU. Each thread has its own
environment; LeanDojo runs Lean in a process of its own, and the replay environment is a
dictionary lookup, so threads do not contend on the interpreter lock. With ``--server``
the workers share a ``tacgen serve`` server instead (that server batches them).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.generator.interface import TacticGenerator
from tacgen.prover.environment import Environment, Theorem
from tacgen.prover.generators import GeneratorSpec
from tacgen.prover.results import STATUSES, ResultsWriter, TraceWriter
from tacgen.prover.search import ProofResult, SearchConfig
from tacgen.prover.tracing import Traced, prove_one


class Progress:
    """A progress bar with live counts of each status."""

    def __init__(self, total: int, done: Mapping[str, int], enabled: bool) -> None:
        from tqdm import tqdm

        self.counts = Counter(done)
        self.bar = tqdm(total=total, desc="prove", unit="thm", disable=not enabled)
        self._show()

    def _show(self) -> None:
        self.bar.set_postfix({s: self.counts.get(s, 0) for s in STATUSES}, refresh=False)

    def add(self, result: ProofResult) -> None:
        self.counts[result.status] += 1
        self._show()
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _threaded(
    theorems: list[Theorem],
    make_env: Callable[[], Environment],
    generator: TacticGenerator,
    config: SearchConfig,
    workers: int,
    trace: bool,
) -> Iterator[Traced]:
    local = threading.local()
    made: list[Environment] = []

    def prove(theorem: Theorem) -> Traced:
        if not hasattr(local, "env"):
            local.env = make_env()
            made.append(local.env)
        return prove_one(theorem, local.env, generator, config, trace)

    with (
        _shut_down_at_end(made),
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tacgen-prove") as pool,
    ):
        pending = iter(theorems)
        running: set[Future[Traced]] = set()
        try:
            for theorem in pending:  # keep every worker busy, no more queued than that
                running.add(pool.submit(prove, theorem))
                if len(running) >= workers:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in finished)
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in finished)
        finally:
            for future in running:
                future.cancel()


def prove_theorems(
    theorems: Iterable[Theorem],
    make_env: Callable[[], Environment],
    generator: TacticGenerator,
    config: SearchConfig,
    writer: ResultsWriter,
    workers: int = 1,
    progress: Progress | None = None,
    traces: TraceWriter | None = None,
) -> None:
    """Searches every theorem, writing each result as it ends.

    Args:
        theorems: what to prove (already without the ones done).
        make_env: makes an environment (one per worker).
        generator: the tactic generator (shared by the workers).
        config: the search budget.
        writer: where results go.
        workers: worker threads.
        progress: the progress bar to update.
        traces: where search trees go (``--trace``); none are recorded when None.

    Raises:
        GeneratorError: when the generator fails; results so far are kept.
    """
    theorems = list(theorems)
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    from tacgen.prover.generators import search_generator

    with search_generator(generator, workers, config.expansion_batch) as shared:
        results: Iterable[Traced]
        made: list[Environment] = []
        tracing = traces is not None
        if workers == 1:
            made.append(make_env())
            results = (prove_one(t, made[0], shared, config, tracing) for t in theorems)
        else:
            results = _threaded(theorems, make_env, shared, config, workers, tracing)
        with _shut_down_at_end(made):
            for result, record in results:
                _record(result, record, writer, traces, progress)


def _record(
    result: ProofResult,
    record: dict[str, Any] | None,
    writer: ResultsWriter,
    traces: TraceWriter | None,
    progress: Progress | None,
) -> None:
    """Writes a theorem's trace (first: a result line is what marks it done) and result."""
    if traces is not None and record is not None:
        traces.write(record)
    writer.write(result)
    if progress is not None:
        progress.add(result)


@contextlib.contextmanager
def _shut_down_at_end(envs: list[Environment]) -> Iterator[None]:
    """Shuts every environment in ``envs`` down on exit (a list that may still grow)."""
    try:
        yield
    finally:
        for env in envs:
            with contextlib.suppress(Exception):  # the run's own outcome matters more
                env.shutdown()


def prove_with_ray(
    theorems: Iterable[Theorem],
    env_name: str,
    settings: Any,
    generator_spec: GeneratorSpec,
    config: SearchConfig,
    writer: ResultsWriter,
    workers: int,
    address: str,
    progress: Progress | None = None,
    traces: TraceWriter | None = None,
) -> None:
    """Searches the theorems with ``workers`` Ray actors; results come back as they end.

    Args:
        theorems: what to prove.
        env_name: the environment each actor makes.
        settings: its settings (see :mod:`tacgen.prover.environments`).
        generator_spec: a server (the actors share it) or a checkpoint (each actor loads
            the model), built by :func:`~tacgen.prover.generators.build_generator`.
        config: the search budget.
        writer: where results go (written here, in the driver).
        workers: actors.
        address: the Ray cluster (``auto``, ``ray://host:port``), or ``local`` to start one
            on this machine.
        progress: the progress bar to update.
        traces: where search trees go; the actors send them back only when given.
    """
    from tacgen.prover.ray_actors import run_on_ray

    tracing = traces is not None
    for result, record in run_on_ray(
        list(theorems), env_name, settings, generator_spec, config, workers, address, tracing
    ):
        _record(result, record, writer, traces, progress)
