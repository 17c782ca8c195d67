"""A small OpenAI-compatible ``/v1/completions`` server on loopback, for the tests.

It fronts a real causal model (a transformers directory) with what vLLM answers:

* ``n`` samples per prompt (a list of prompts too, choices numbered ``prompt * n + j``),
  drawn by transformers' sampling (``temperature``, ``top_p``, ``top_k``, ``seed``);
* ``logprobs``: ``tokens``, ``token_logprobs`` and ``text_offset`` of the generated tokens,
  the model's own log-probabilities at temperature 1 (teacher forcing over what was drawn:
  vLLM's default ``raw_logprobs``);
* a completion that ends at eos keeps eos in its tokens (not in its text); one stopped by a
  ``stop`` text keeps its tokens through the one that completed it, its text cut before it;
* ``echo`` with ``max_tokens=0``: the prompt's tokens and log-probabilities (the first is
  null);
* ``refuse_n=True``: llama.cpp's answer to ``n > 1`` (HTTP 500, ``Only one completion
  choice is allowed``), and to ``echo`` (``Only no echo is supported``).
"""

# No "from __future__ import annotations": FastAPI resolves the handlers' annotations,
# which name classes imported inside make_app.

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from server_fixtures import free_port


@dataclass
class FakeOpenAI:
    """The model behind the fake, and what it was asked."""

    model: Any
    tokenizer: Any
    name: str
    refuse_n: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def completions(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, answer) of ``POST /v1/completions``."""
        self.requests.append(body)
        n = int(body.get("n", 1))
        if self.refuse_n and n != 1:
            return 500, _error(500, "Only one completion choice is allowed", "server_error")
        if self.refuse_n and body.get("echo"):
            return 500, _error(500, "Only no echo is supported", "server_error")
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        choices = []
        with self.lock:  # one model, and a seeded sampler, at a time
            for i, prompt in enumerate(prompts):
                if body.get("echo") and int(body.get("max_tokens", 16)) == 0:
                    choices.append({"index": i, **self._echo(prompt)})
                    continue
                for j, sample in enumerate(self._sample(prompt, n, body)):
                    choices.append({"index": i * n + j, **sample})
        return 200, {"object": "text_completion", "model": self.name, "choices": choices}

    def _echo(self, prompt: str) -> dict[str, Any]:
        ids = self.tokenizer(prompt)["input_ids"]
        values = self._log_probs(ids[:1], ids[1:])
        return {
            "text": prompt,
            "finish_reason": "length",
            "logprobs": self._logprobs(ids, [None, *values]),
        }

    def _sample(self, prompt: str, n: int, body: dict[str, Any]) -> list[dict[str, Any]]:
        ids = self.tokenizer(prompt)["input_ids"]
        eos = self.tokenizer.eos_token_id
        with torch.random.fork_rng():
            if body.get("seed") is not None:
                torch.manual_seed(int(body["seed"]))
            with torch.no_grad():
                out = self.model.generate(
                    torch.tensor([ids]), do_sample=True, num_return_sequences=n,
                    temperature=float(body.get("temperature", 1.0)),
                    top_p=float(body.get("top_p", 1.0)), top_k=int(body.get("top_k", 0)) or None,
                    max_new_tokens=int(body.get("max_tokens", 16)), eos_token_id=eos,
                    pad_token_id=eos,
                )  # fmt: skip
        samples = []
        for row in out:
            generated = row[len(ids) :].tolist()
            if eos in generated:
                generated = generated[: generated.index(eos) + 1]
            samples.append(self._choice(ids, generated, body.get("stop") or []))
        return samples

    def _choice(self, prompt: list[int], generated: list[int], stops: Any) -> dict[str, Any]:
        stops = [stops] if isinstance(stops, str) else list(stops)
        eos = self.tokenizer.eos_token_id
        finish = "stop" if generated and generated[-1] == eos else "length"
        text = self.tokenizer.decode(generated, skip_special_tokens=True)
        for k in range(1, len(generated) + 1):  # the first token that completes a stop text
            partial = self.tokenizer.decode(generated[:k], skip_special_tokens=True)
            hits = [partial.index(s) for s in stops if s in partial]
            if hits:
                generated, text, finish = generated[:k], partial[: min(hits)], "stop"
                break
        values = self._log_probs(prompt, generated)
        return {
            "text": text,
            "finish_reason": finish,
            "logprobs": self._logprobs(generated, values),
        }

    def _log_probs(self, prompt: list[int], target: list[int]) -> list[float]:
        if not target:
            return []
        ids = torch.tensor([prompt + target])  # (1, len)
        with torch.no_grad():
            log_probs = self.model(input_ids=ids).logits.float().log_softmax(-1)  # (1, len, V)
        rows = log_probs[0, len(prompt) - 1 : -1]  # (len(target), vocab)
        return rows.gather(-1, torch.tensor(target).unsqueeze(-1)).squeeze(-1).tolist()

    def _logprobs(self, ids: list[int], values: list[Any]) -> dict[str, Any]:
        tokens = [self.tokenizer.decode([i]) for i in ids]
        offsets = [sum(len(t) for t in tokens[:k]) for k in range(len(tokens))]
        top = [None if v is None else {t: v} for t, v in zip(tokens, values)]
        return {
            "tokens": tokens,
            "token_logprobs": values,
            "text_offset": offsets,
            "top_logprobs": top,
        }


def _error(code: int, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "type": kind}}


def make_app(fake: FakeOpenAI) -> Any:
    """The FastAPI app of a fake."""
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI()

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": fake.name, "object": "model"}]}

    @app.post("/v1/completions")
    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        status, answer = await _in_thread(fake.completions, body)
        return JSONResponse(answer, status_code=status)

    return app


async def _in_thread(function: Any, *args: Any) -> Any:
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


@contextmanager
def running_fake(
    model_dir: Path, name: str = "m", refuse_n: bool = False
) -> Iterator[tuple[str, FakeOpenAI]]:
    """The fake on a free loopback port, in a thread of this process; yields (URL, fake)."""
    import uvicorn
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    fake = FakeOpenAI(model, AutoTokenizer.from_pretrained(model_dir), name, refuse_n)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(make_app(fake), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the fake OpenAI server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", fake
    finally:
        server.should_exit = True
        thread.join(timeout=30)
