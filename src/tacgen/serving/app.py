"""``create_app``: the FastAPI application behind ``tacgen serve``.

Endpoints:

* ``POST /generate`` and ``POST /encode``: Lean Copilot's external-model API
  (``ExternalGenerator`` / ``ExternalEncoder``). ``score`` is a probability.
* ``POST /v1/generate``: a JSON list of queries, answered by a list (one per query) of
  ``{"tactic", "log_prob"}`` lists, best first; what :class:`RemoteGenerator` speaks.
* ``POST /v1/score``: teacher-forced scores of given tactics, by the same definition.
* ``GET /health``: the model, backend, device and batching settings.

Every status a request may get is in the OpenAPI document (:mod:`tacgen.serving.errors`).

One model is served; Lean Copilot's ``name`` may be anything. Concurrent requests share
decoding batches (:class:`~tacgen.serving.batcher.DynamicBatcher`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tacgen.core.records import Query
from tacgen.data.formatting import format_state
from tacgen.generator.inference import InferenceGenerator
from tacgen.generator.options import GenerationOptions
from tacgen.serving.batcher import DynamicBatcher
from tacgen.serving.errors import BAD_BODY, INTERNAL, INVALID, NO_RETRIEVER, add_error_handlers
from tacgen.serving.schemas import (
    CopilotEncodeRequest,
    CopilotEncodeResponse,
    CopilotGenerateRequest,
    CopilotGenerateResponse,
    CopilotOutput,
    Health,
    ScoredTactic,
    ScoreQuery,
    TacticQuery,
)

MAX_QUERIES = 1024
"""The most queries one ``/v1/generate`` request may carry."""


def create_app(
    generator: InferenceGenerator,
    model_name: str,
    num_samples: int = 32,
    max_batch_size: int = 16,
    max_wait_ms: float = 5.0,
) -> Any:
    """Builds the application.

    Args:
        generator: the loaded generator (its retriever, if any, also answers ``/encode``).
        model_name: what ``/health`` reports (the checkpoint path).
        num_samples: beams per Lean Copilot ``/generate`` request.
        max_batch_size: the most queries decoded together.
        max_wait_ms: how long a query waits for others to batch with.

    Returns:
        The FastAPI application.
    """
    from fastapi import Body, FastAPI, HTTPException

    batcher = DynamicBatcher(generator, max_batch_size, max_wait_ms)

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="tacgen", lifespan=lifespan)
    add_error_handlers(app)
    posted = {**BAD_BODY, **INVALID, **INTERNAL}

    @app.post("/generate", response_model=CopilotGenerateResponse, responses=posted)
    async def generate(request: CopilotGenerateRequest) -> CopilotGenerateResponse:
        options = GenerationOptions(prefix=request.prefix or "")
        query = Query(format_state(request.input))
        (ranked,) = await batcher.submit([query], num_samples, options)
        outputs = [CopilotOutput(output=t, score=math.exp(s)) for t, s in ranked]
        return CopilotGenerateResponse(outputs=outputs)

    @app.post("/encode", response_model=CopilotEncodeResponse, responses=posted | NO_RETRIEVER)
    async def encode(request: CopilotEncodeRequest) -> CopilotEncodeResponse:
        retriever = generator.retriever
        if retriever is None or not hasattr(retriever, "encode_states"):
            raise HTTPException(404, "no dense retriever is loaded (tacgen serve --retriever-ckpt)")
        # On the decoding thread: the event loop stays free, and the model is not shared.
        embedding = (await batcher.run(retriever.encode_states, [format_state(request.input)]))[0]
        return CopilotEncodeResponse(outputs=embedding.tolist())

    @app.post("/v1/generate", response_model=list[list[ScoredTactic]], responses=posted)
    async def generate_v1(
        queries: list[TacticQuery] = Body(..., min_length=1, max_length=MAX_QUERIES),  # noqa: B008
    ) -> list[list[ScoredTactic]]:
        results = await _submit_each(batcher, queries)
        return [[ScoredTactic(tactic=t, log_prob=s) for t, s in ranked] for ranked in results]

    @app.post("/v1/score", response_model=list[list[float]], responses=posted)
    async def score_v1(
        queries: list[ScoreQuery] = Body(..., min_length=1, max_length=MAX_QUERIES),  # noqa: B008
    ) -> list[list[float]]:
        # Teacher-forced scores of given tactics (a tactic library beside the beams), on the
        # decoding thread between batches; the same definition as /v1/generate's log_prob.
        records = [q.query() for q in queries]
        return await batcher.run(generator.score_queries, records, [q.tactics for q in queries])

    @app.get("/health", response_model=Health, responses=INTERNAL)
    async def health() -> Health:
        return Health(
            status="ok",
            model=model_name,
            backend=generator.backend.name,
            device=generator.backend.device,
            retriever=generator.retriever is not None,
            max_batch_size=max_batch_size,
            max_wait_ms=max_wait_ms,
            batches=batcher.batches,
        )

    return app


async def _submit_each(batcher: DynamicBatcher, queries: list[TacticQuery]) -> list[Any]:
    """The queries of one request, each with its own options, batched with everything else."""
    jobs = [batcher.submit([q.query()], q.num_samples, q.options()) for q in queries]
    results = await asyncio.gather(*jobs, return_exceptions=True)  # every failure retrieved
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [ranked for (ranked,) in results]  # type: ignore[misc]
