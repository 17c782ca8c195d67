"""``SharedGenerator``: one generator for many threads, their concurrent queries batched.

It runs a :class:`~tacgen.serving.batcher.DynamicBatcher` (the server's) on an event loop of
its own thread, so proof-search workers in threads share one model in memory and their
expansions are decoded together, as clients of ``tacgen serve`` are.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import DEFAULT_OPTIONS, Candidates, GenerationOptions
from tacgen.serving.batcher import DynamicBatcher


class SharedGenerator(TacticGenerator):
    """A thread-safe :class:`TacticGenerator` that batches concurrent calls."""

    def __init__(
        self, generator: TacticGenerator, max_batch_size: int = 16, max_wait_ms: float = 5.0
    ) -> None:
        """Starts the batching thread.

        Args:
            generator: the generator to share.
            max_batch_size: the most queries decoded together.
            max_wait_ms: how long a query waits for others.
        """
        self.batcher = DynamicBatcher(generator, max_batch_size, max_wait_ms)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result()

    async def _start(self) -> None:
        self.batcher.start()

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        """See :meth:`TacticGenerator.generate_queries`; safe to call from any thread."""
        coroutine = self.batcher.submit(list(queries), num_samples, options or DEFAULT_OPTIONS)
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """See :meth:`TacticGenerator.score_queries`; runs on the batching thread, between
        decoding batches, so the model is used by one thread at a time."""
        generator = self.batcher.generator
        coroutine = self.batcher.run(generator.score_queries, list(queries), list(tactics))
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def token_counts(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[int]]:
        """The shared generator's own :meth:`TacticGenerator.token_counts`."""
        return self.batcher.generator.token_counts(queries, tactics)

    def close(self) -> None:
        """Stops the batching thread."""
        asyncio.run_coroutine_threadsafe(self.batcher.stop(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
