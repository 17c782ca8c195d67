"""``CausalTorchBackend``: a causal (decoder-only) model decoded with transformers.

Its inputs are rendered prompts (see
:meth:`~tacgen.generator.inference.InferenceGenerator.model_inputs`); its rules for tokens
and scores are :mod:`~tacgen.generator.causal_tokens`'s, which every causal backend follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from tacgen.core.errors import ConfigError
from tacgen.generator.backends import Backend
from tacgen.generator.causal_decoding import (
    continuation_log_probs,
    generate_completions,
    generation_config,
)
from tacgen.generator.causal_tokens import (
    completion_tactic,
    completion_tokens,
    continuation_ids,
    eos_id,
    multi_token_stops,
    prompt_ids,
    stop_token_ids,
)
from tacgen.generator.decoding import rank_candidates
from tacgen.generator.options import Candidates, GenerationOptions
from tacgen.generator.templates import PromptTemplate
from tacgen.nn.module import eval_mode

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


class CausalTorchBackend(Backend):
    """Beam search or sampling with transformers ``generate`` on a causal model.

    Scores (one definition for every backend and mode): the sum of the log-probabilities
    of a completion's tokens given the prompt, its stop token (eos, or a one-token stop such
    as ``<|im_end|>``) included and the prompt excluded; with length penalty 0, no length
    normalisation. Beam search reports the beams' own sums. Greedy search, sampling and a
    tactic prefix are rescored by one teacher-forced pass, so a sample's score is its
    log-probability at temperature 1, **not** under the sampling temperature, top-k or
    top-p. For a model trained by tacgen the completion is ``template.target(tactic)`` (and
    eos), so :meth:`score` of a returned tactic gives back its score to float noise.
    """

    name = "torch"

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        template: PromptTemplate,
        max_input_length: int = 2300,
        max_output_length: int = 512,
    ) -> None:
        """Wraps a model.

        Args:
            model: the causal model (a peft model too), already on its device.
            tokenizer: its tokenizer (with an eos token).
            template: the prompt template it was trained with (stops, tactic extraction).
            max_input_length: prompts keep their last this many tokens.
            max_output_length: the most tokens generated per tactic, the stop token included.
        """
        if max_input_length < 1 or max_output_length < 1:
            raise ConfigError("max_input_length and max_output_length must be >= 1")
        if tokenizer.eos_token_id is None:
            raise ConfigError("a causal model's tokenizer needs an eos token")
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.max_input_length = max_input_length
        self.max_output_length = max_output_length
        self.stops = stop_token_ids(tokenizer, template)
        self.stop_strings = multi_token_stops(tokenizer, template)
        pad = tokenizer.pad_token_id
        self.pad_id = eos_id(tokenizer) if pad is None else int(pad)

    @property
    def device(self) -> str:
        """The device of the model's parameters."""
        return str(next(self.model.parameters()).device)

    def decode(
        self, inputs: Sequence[str], num_samples: int, options: GenerationOptions
    ) -> list[Candidates]:
        """See :meth:`Backend.decode` (scores: see the class docstring)."""
        if not inputs:
            return []
        prefix: list[int] = []
        if options.prefix:
            prefix = self.tokenizer(options.prefix, add_special_tokens=False)["input_ids"]
            if len(prefix) >= self.max_output_length:  # no room for one more token
                return [[] for _ in inputs]
        prompts = [prompt_ids(self.tokenizer, text, self.max_input_length) for text in inputs]
        config = generation_config(
            num_samples,
            self.max_output_length - len(prefix),
            options,
            self.stops,
            self.pad_id,
            self.stop_strings,
            self._never_sampled(),
        )
        with eval_mode(self.model), torch.inference_mode():
            done = generate_completions(
                self.model, self.tokenizer, [p + prefix for p in prompts], config, options.seed
            )
            completions = [
                [prefix + completion_tokens(row, self.stops) for row in rows]
                for rows in done.tokens
            ]
            scores = done.scores
            if scores is None or prefix:  # greedy, sampled, or a prefix the beams did not score
                scores = self._rescore(prompts, completions)
        results = []
        for rows, row_scores in zip(completions, scores):
            texts = [completion_tactic(self.tokenizer, self.template, t, self.stops) for t in rows]
            results.append(rank_candidates(texts, row_scores))
        return results

    def score(self, inputs: Sequence[str], tactics: Sequence[Sequence[str]]) -> list[list[float]]:
        """See :meth:`Backend.score`: the teacher-forced sum of the log-probabilities of each
        tactic's continuation (``template.target(tactic)``, then eos when the template's
        ``end`` is empty) given the prompt."""
        prompts, continuations, owners = [], [], []
        for i, (text, texts) in enumerate(zip(inputs, tactics)):
            ids = prompt_ids(self.tokenizer, text, self.max_input_length)
            for tactic in texts:
                prompts.append(ids)
                continuations.append(continuation_ids(self.tokenizer, self.template, tactic))
                owners.append(i)
        results: list[list[float]] = [[] for _ in inputs]
        if not prompts:
            return results
        with eval_mode(self.model), torch.inference_mode():
            flat = continuation_log_probs(self.model, prompts, continuations, self.pad_id)
        for owner, value in zip(owners, flat):
            results[owner].append(value)
        return results

    def token_counts(self, tactics: Sequence[Sequence[str]]) -> list[list[int]]:
        """The number of tokens each tactic's score sums over: its continuation's
        (``template.target(tactic)``, then eos when the template's ``end`` is empty).

        Args:
            tactics: per query, its tactics.

        Returns:
            Per query, the count of each tactic, in order.
        """
        return [
            [len(continuation_ids(self.tokenizer, self.template, t)) for t in row]
            for row in tactics
        ]

    def _rescore(
        self, prompts: list[list[int]], completions: list[list[list[int]]]
    ) -> list[list[float]]:
        """Teacher-forced scores of each prompt's completions (an empty one scores -inf)."""
        pairs = [(p, c) for p, rows in zip(prompts, completions) for c in rows if c]
        flat = iter(
            continuation_log_probs(
                self.model, [p for p, _ in pairs], [c for _, c in pairs], self.pad_id
            )
            if pairs
            else []
        )
        return [[next(flat) if c else float("-inf") for c in rows] for rows in completions]

    def _never_sampled(self) -> list[int]:
        """Embedding rows beyond the tokenizer (padding rows of published models, or a
        from-scratch model's spare rows): no text decodes from them."""
        return list(range(len(self.tokenizer), int(self.model.config.vocab_size)))
