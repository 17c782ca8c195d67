"""``DynamicBatcher``: concurrent requests gathered into one decoding batch.

Requests wait at most ``max_wait_ms`` for company, up to ``max_batch_size`` queries; a
batch decodes in one worker thread while the next one gathers, so a busy server decodes
full batches back to back. Queries share a batch only when they ask for the same number
of candidates with the same options (one ``generate_queries`` call serves them all). A
batch that fails is decoded again query by query: one bad query fails its own request only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tacgen.core.errors import UsageError
from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import Candidates, GenerationOptions

T = TypeVar("T")


@dataclass
class _Pending:
    query: Query
    num_samples: int
    options: GenerationOptions
    future: asyncio.Future[Candidates] = field(repr=False)

    @property
    def key(self) -> tuple[int, GenerationOptions]:
        return self.num_samples, self.options


class DynamicBatcher:
    """Feeds a :class:`TacticGenerator` batches of concurrent queries."""

    def __init__(
        self, generator: TacticGenerator, max_batch_size: int = 16, max_wait_ms: float = 5.0
    ) -> None:
        """Configures the batcher; :meth:`start` starts it inside the event loop.

        Args:
            generator: any tactic generator (decoding runs in one worker thread).
            max_batch_size: the most queries per ``generate_queries`` call.
            max_wait_ms: how long the first query of a batch waits for others.
        """
        if max_batch_size < 1 or max_wait_ms < 0:
            raise UsageError("need max_batch_size >= 1 and max_wait_ms >= 0")
        self.generator = generator
        self.max_batch_size = max_batch_size
        self.max_wait = max_wait_ms / 1000
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tacgen-decode")
        self.batches = 0
        """Decoding calls made so far (for /health and benchmarks)."""

    def start(self) -> None:
        """Starts gathering (call from the running event loop)."""
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stops after the batches in flight; releases the worker thread."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._executor.shutdown(wait=True)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Runs ``function(*args)`` on the decoding thread, between batches.

        Args:
            function: work that uses the model (the server's ``/encode``).
            *args: its arguments.

        Returns:
            Its result; the event loop serves other requests meanwhile.
        """
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def submit(
        self, queries: list[Query], num_samples: int, options: GenerationOptions
    ) -> list[Candidates]:
        """Ranked tactics for queries, decoded together with whatever else is waiting.

        Args:
            queries: the queries of one request.
            num_samples: candidates per query.
            options: decoding options of the request.

        Returns:
            For each query, its candidates.
        """
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        loop = asyncio.get_running_loop()
        pending = [_Pending(q, num_samples, options, loop.create_future()) for q in queries]
        for item in pending:
            self._queue.put_nowait(item)
        return list(await asyncio.gather(*(item.future for item in pending)))

    async def _gather(self) -> list[_Pending]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self.max_wait
        while len(batch) < self.max_batch_size:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._gather()
            groups: dict[tuple[int, GenerationOptions], list[_Pending]] = {}
            for pending in batch:  # queries decode together when they ask for the same
                groups.setdefault(pending.key, []).append(pending)
            for (num_samples, options), group in groups.items():
                await self._decode(group, num_samples, options)

    async def _decode(
        self, group: list[_Pending], num_samples: int, options: GenerationOptions
    ) -> None:
        """Answers each query of a group; when the group fails, its queries are decoded one
        by one, so that a query that fails fails alone, not the queries it was batched with."""
        items = [p for p in group if not p.future.done()]  # a client may have gone
        if not items:
            return
        self.batches += 1
        try:
            results = await asyncio.get_running_loop().run_in_executor(
                self._executor,
                self.generator.generate_queries,
                [p.query for p in items],
                num_samples,
                options,
            )
        except Exception as error:  # the request's error, not the server's
            if len(items) > 1:
                for item in items:
                    await self._decode([item], num_samples, options)
            elif not items[0].future.done():
                items[0].future.set_exception(error)
            return
        for p, result in zip(items, results):
            if not p.future.done():
                p.future.set_result(result)
