"""``OpenAIGenerator``: tactics from an OpenAI-compatible ``/v1/completions`` server.

A published causal step prover (BFS-Prover-V2, InternLM2.5-StepProver) served by vLLM or
SGLang is driven this way: each query's prompt is rendered with the model's template
(:mod:`tacgen.generator.templates`: the state, the theorem's name, the tactics so far),
``n`` completions are sampled with ``logprobs``, and each becomes a tactic through the
template, scored by the definition every tacgen backend uses: the sum of the log-probabilities
of the completion's tokens (``token_logprobs``), the prompt excluded.

What the servers return, and what it means for comparability with a local backend:

* vLLM (V1) reports log-probabilities of the model's raw output, before temperature, top-p
  and penalties (its default ``--logprobs-mode raw_logprobs``): the temperature-1 numbers
  tacgen's backends report. A server started with ``processed_logprobs`` gives tempered
  ones, which do not compare.
* A completion that ends at the model's eos (or a stop token id) keeps that token in its
  tokens and ``token_logprobs`` (the text drops it): the sum covers the tactic and its eos,
  as tacgen's score of a template whose end is eos. A completion stopped by a ``stop``
  text keeps every generated token, through the one that completed the stop text (only
  the text is cut): the sum covers the template's end text, as in ``template.target``. A
  completion cut at ``max_tokens`` has no end token scored.
* Special tokens are hidden from vLLM's text (``skip_special_tokens``), so a stop text that
  is a special token (``<|im_end|>``) ends generation as an eos token of the model's
  generation config, not as a text match: InternLM2.5-StepProver's config lists it.

Servers that refuse ``n > 1`` (llama.cpp answers ``Only one completion choice is allowed``,
HTTP 400 or 500) or answer fewer choices than asked (lmdeploy's ``/v1/completions``) are
asked once per sample from then on (remembered per generator), each with ``seed + i`` when
a seed is given, so that the samples differ.

One generator is one client: the search's worker threads share it (it keeps no per-call
state but the token counts of each thread's last call), and each Ray actor builds its own
from the picklable ``GeneratorSpec``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from tacgen.core.errors import UsageError, one_line
from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import (
    DEFAULT_OPTIONS,
    GIVE_UP_WORDS,
    Candidates,
    GenerationOptions,
    check_num_samples,
    filter_candidates,
)
from tacgen.generator.templates import PromptTemplate
from tacgen.serving.remote import ServerError

logger = logging.getLogger("tacgen.serving")

FORBIDDEN = (*GIVE_UP_WORDS, "native_decide")
"""Words that drop a candidate containing them (BFS-Prover's rule): they close goals
without a proof (``native_decide`` trusts the compiler)."""

_REFUSED_N = re.compile(r"one completion choice|\bn\b.{0,20}\b(1|one)\b", re.IGNORECASE)


class OpenAIGenerator(TacticGenerator):
    """Samples tactics from ``POST /v1/completions`` of an OpenAI-compatible server."""

    def __init__(
        self,
        url: str,
        model: str,
        template: PromptTemplate,
        max_tokens: int = 256,
        timeout: float = 600.0,
        forbidden: Sequence[str] = FORBIDDEN,
        eos_text: str | None = None,
    ) -> None:
        """Points at a server.

        Args:
            url: the server's base URL (``http://127.0.0.1:8000``; a trailing ``/v1`` is
                accepted).
            model: the served model's name (``--served-model-name``, or its path).
            template: the model's prompt template.
            max_tokens: the most tokens per completion.
            timeout: seconds to wait for one answer.
            forbidden: candidates containing one of these words are dropped.
            eos_text: the model's eos token as text (``<|endoftext|>``), appended to the
                tactic when scoring given tactics with a template whose end is eos.

        Raises:
            UsageError: for a URL that is not http(s), or no model name.
        """
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"the server URL must start with http:// or https://, got {url!r}")
        if not model:
            raise UsageError("name the served model (--model NAME)")
        base = url.rstrip("/")
        self.url = base[: -len("/v1")] if base.endswith("/v1") else base
        self.model, self.template = model, template
        self.max_tokens, self.timeout, self.eos_text = max_tokens, timeout, eos_text
        self._forbidden = re.compile(rf"\b(?:{'|'.join(map(re.escape, forbidden))})\b")
        self.one_per_request = False
        """True once the server refused ``n > 1``: one request per sample."""
        self._lock = threading.Lock()
        self._local = threading.local()

    def prompt(self, query: Query) -> str:
        """The rendered prompt of a query (state, theorem name, tactics so far)."""
        return self.template.render(query.state, query.full_name, query.proof_before)

    def check(self) -> None:
        """Asks ``GET /v1/models``: the server answers as an OpenAI-compatible one and
        serves the model.

        Raises:
            ServerError: when it cannot be reached or is not OpenAI-compatible.
            UsageError: when it does not serve the model (the message lists those it does).
        """
        answer = self._call("GET", "/v1/models", None)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise ServerError(f"{self.url} is not an OpenAI-compatible server (GET /v1/models)")
        names = [str(row.get("id")) for row in data if isinstance(row, dict)]
        if names and self.model not in names:
            raise UsageError(f"{self.url} serves {', '.join(names)}, not --model {self.model}")

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        """See :meth:`TacticGenerator.generate_queries`: ``num_samples`` completions per
        query, deduplicated (each tactic's best score), forbidden words and the options'
        filters applied, best first.

        Raises:
            UsageError: for beam search or a tactic prefix (not offered by these servers).
            ServerError: when the server cannot be reached or fails.
        """
        check_num_samples(num_samples)
        options = options or DEFAULT_OPTIONS
        _check_options(options)
        if not queries:
            return []
        prompts = [self.prompt(q) for q in queries]
        grouped = self._sample(prompts, num_samples, options)
        counts: dict[tuple[str, str], int] = {}
        out = []
        for query, prompt, choices in zip(queries, prompts, grouped):
            ranked = self._rank(prompt, choices, counts)
            out.append(filter_candidates(ranked, query, options))
        self._local.counts = counts
        return out

    def _rank(
        self, prompt: str, choices: list[dict[str, Any]], counts: dict[tuple[str, str], int]
    ) -> Candidates:
        best: dict[str, float] = {}
        for choice in choices:
            values = _token_logprobs(choice)
            tactic = self.template.tactic(str(choice.get("text", "")))
            if not tactic or self._forbidden.search(tactic):
                continue
            score = float(sum(values))
            if tactic not in best or score > best[tactic]:
                best[tactic] = score
                counts[(prompt, tactic)] = len(values)
        return sorted(best.items(), key=lambda pair: pair[1], reverse=True)

    def _body(self, prompt: str | list[str], n: int, options: GenerationOptions) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": prompt,
            "n": n,
            "logprobs": 1,
            "temperature": options.temperature,
            "top_p": options.top_p,
            "max_tokens": self.max_tokens,
        }
        if self.template.stop:
            body["stop"] = list(self.template.stop)
        if options.top_k > 0:  # vLLM, SGLang and llama.cpp take it; OpenAI's API has none
            body["top_k"] = options.top_k
        if options.seed is not None:
            body["seed"] = options.seed
        return body

    def _sample(
        self, prompts: list[str], n: int, options: GenerationOptions
    ) -> list[list[dict[str, Any]]]:
        """``n`` choices per prompt: one request for all, or one per sample when the server
        refuses ``n > 1`` (found on the first refusal, then remembered)."""
        if not self.one_per_request:
            try:
                answer = self._call("POST", "/v1/completions", self._body(prompts, n, options))
                grouped = _group(_choices(answer, self.url), len(prompts), n)
                if all(len(choices) == n for choices in grouped):
                    return grouped
                reason = "it answered fewer choices than n"
            except _RefusedN as refusal:
                reason = str(refusal)
            with self._lock:
                if not self.one_per_request:
                    logger.warning(
                        "%s refuses n > 1 (%s): one request per sample", self.url, reason
                    )
                self.one_per_request = True
        return [[self._one(prompt, options, i) for i in range(n)] for prompt in prompts]

    def _one(self, prompt: str, options: GenerationOptions, index: int) -> dict[str, Any]:
        body = self._body(prompt, 1, options)
        if options.seed is not None:
            body["seed"] = options.seed + index
        choices = _choices(self._call("POST", "/v1/completions", body), self.url)
        if not choices:
            raise ServerError(f"{self.url}/v1/completions answered no choice")
        return choices[0]

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """See :meth:`TacticGenerator.score_queries`: the prompt and each prompt + target
        echoed with ``max_tokens=0`` and ``logprobs`` (vLLM's prompt log-probabilities);
        a tactic's score sums the log-probabilities of the tokens after the prompt's.

        Raises:
            UsageError: when the template ends at eos and no ``eos_text`` was given, or when
                the server cannot echo log-probabilities.
            ServerError: when the server cannot be reached or fails.
        """
        if len(queries) != len(tactics):
            raise UsageError(f"{len(queries)} queries but {len(tactics)} lists of tactics")
        if any(tactics) and not self.template.end and self.eos_text is None:
            raise UsageError(
                f"scoring tactics through {self.url} needs the model's eos token as text "
                "(OpenAIGenerator(eos_text=...)): the template ends at eos"
            )
        counts: dict[tuple[str, str], int] = {}
        results = [self._score_one(q, row, counts) for q, row in zip(queries, tactics)]
        self._local.counts = counts
        return results

    def _score_one(
        self, query: Query, tactics: Sequence[str], counts: dict[tuple[str, str], int]
    ) -> list[float]:
        if not tactics:
            return []
        prompt = self.prompt(query)
        end = "" if self.template.end else str(self.eos_text)
        texts = [prompt] + [prompt + self.template.target(t) + end for t in tactics]
        body = {"model": self.model, "prompt": texts, "echo": True, "max_tokens": 0}
        try:
            answer = self._call("POST", "/v1/completions", {**body, "logprobs": 1})
        except _RefusedN as error:  # not this refusal: a server that cannot echo
            raise UsageError(f"{self.url} cannot score given tactics: {error}") from None
        choices = sorted(_choices(answer, self.url), key=lambda c: int(c.get("index", 0)))
        base = _echo_tokens(choices[0], self.url)
        scores = []
        for tactic, choice in zip(tactics, choices[1:]):
            tokens = _echo_tokens(choice, self.url)
            if [t for t, _ in tokens[: len(base)]] != [t for t, _ in base]:
                raise UsageError(
                    f"{self.url}: the prompt's tokens change when a tactic follows it, so "
                    "its tokens cannot be told apart; scoring is not possible"
                )
            values = [float(v) for _, v in tokens[len(base) :]]
            scores.append(sum(values))
            counts[(prompt, tactic)] = len(values)
        return scores

    def token_counts(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[int]]:
        """See :meth:`TacticGenerator.token_counts`: the length of each tactic's
        ``token_logprobs`` in this thread's last call (the byte count when unknown)."""
        counts: dict[tuple[str, str], int] = getattr(self._local, "counts", {})
        out = []
        for query, row in zip(queries, tactics):
            prompt = self.prompt(query)
            out.append([counts.get((prompt, t), len(t.encode("utf-8")) + 1) for t in row])
        return out

    def _call(self, method: str, path: str, body: Any) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = _error_message(error.read())
            if _REFUSED_N.search(detail) and isinstance(body, dict) and body.get("n", 1) > 1:
                raise _RefusedN(detail) from None
            if isinstance(body, dict) and body.get("echo"):  # cannot echo: a usage matter
                raise _RefusedN(detail) from None
            raise ServerError(f"{self.url}{path}: HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServerError(
                f"cannot reach the OpenAI-compatible server {self.url}: {reason}"
            ) from None
        try:
            return json.loads(raw)
        except ValueError:
            raise ServerError(
                f"{self.url}{path} answered something not JSON: not an OpenAI-compatible server"
            ) from None


class _RefusedN(Exception):
    """The server refused a request it may take in another form (n > 1, echo)."""


def _check_options(options: GenerationOptions) -> None:
    if options.mode != "sample":
        raise UsageError(
            "an OpenAI-compatible server samples: give --mode sample (BFS-Prover: 16 samples "
            "at --temperature 0.7); its completions API has no beam search"
        )
    if options.prefix:
        raise UsageError("--prefix is not offered through an OpenAI-compatible server")


def _choices(answer: Any, url: str) -> list[dict[str, Any]]:
    choices = answer.get("choices") if isinstance(answer, dict) else None
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise ServerError(f"{url}/v1/completions: no choices in the answer: not OpenAI-compatible")
    return choices


def _group(choices: list[dict[str, Any]], prompts: int, n: int) -> list[list[dict[str, Any]]]:
    """Choices per prompt: OpenAI numbers them ``prompt * n + sample``."""
    grouped: list[list[dict[str, Any]]] = [[] for _ in range(prompts)]
    for position, choice in enumerate(choices):
        index = choice.get("index", position)
        if isinstance(index, int) and 0 <= index // n < prompts:
            grouped[index // n].append(choice)
    return grouped


def _token_logprobs(choice: dict[str, Any]) -> list[float]:
    logprobs = choice.get("logprobs")
    values = logprobs.get("token_logprobs") if isinstance(logprobs, dict) else None
    if not isinstance(values, list):
        raise ServerError(
            "the server answered no token_logprobs (it ignores logprobs): tacgen scores "
            "tactics with them"
        )
    return [float(v) for v in values if v is not None]


def _echo_tokens(choice: dict[str, Any], url: str) -> list[tuple[str, float]]:
    """(token, log-prob) of an echoed prompt, its first token (never scored) left out."""
    logprobs = choice.get("logprobs")
    tokens = logprobs.get("tokens") if isinstance(logprobs, dict) else None
    values = logprobs.get("token_logprobs") if isinstance(logprobs, dict) else None
    if not isinstance(tokens, list) or not isinstance(values, list) or len(tokens) != len(values):
        raise UsageError(f"{url} does not echo prompt log-probabilities: cannot score tactics")
    return [(str(t), float(v)) for t, v in zip(tokens[1:], values[1:]) if v is not None]


def _error_message(raw: bytes) -> str:
    """The message of an OpenAI-style error (``{"error": {"message": ...}}``), else text."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return one_line(ValueError(raw.decode("utf-8", "replace")[:300]))
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict) and "message" in error:
        return one_line(ValueError(str(error["message"])))
    if isinstance(answer, dict) and "detail" in answer:
        return one_line(ValueError(str(answer["detail"])))
    return one_line(ValueError(str(answer)[:300]))
