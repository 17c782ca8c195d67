"""Decoding and teacher-forced scoring for causal (decoder-only) models with transformers.

Token rules (truncation, continuations, stop tokens) are :mod:`~tacgen.generator.causal_tokens`'s.
Prompts are left-padded for ``generate`` and for teacher forcing alike, with position ids
counted from each row's first real token, so that a beam's score and the teacher-forced
score of the same tokens agree to float noise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from tacgen.generator.decoding import seeded
from tacgen.generator.options import GenerationOptions

if TYPE_CHECKING:
    from transformers import GenerationConfig, PreTrainedModel, PreTrainedTokenizerBase

_UNFINISHED = -1.0e8
"""transformers marks empty beam slots with a score of -1e9; anything below this is one."""


def left_pad(
    rows: Sequence[Sequence[int]], pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded ids and attention mask of token rows.

    Args:
        rows: token ids per row.
        pad_id: the padding id.
        device: where to put the tensors.

    Returns:
        (rows, width) int64 ids and (rows, width) int64 mask.
    """
    width = max(len(row) for row in rows)
    ids = [[pad_id] * (width - len(row)) + list(row) for row in rows]
    mask = [[0] * (width - len(row)) + [1] * len(row) for row in rows]
    return torch.tensor(ids, device=device), torch.tensor(mask, device=device)  # (rows, width) x2


def positions(mask: torch.Tensor) -> torch.Tensor:
    """(rows, width) position ids of a left-padded mask: 0 at each row's first real token."""
    return (mask.cumsum(-1) - 1).clamp(min=0)  # (rows, width)


def continuation_log_probs(
    model: PreTrainedModel,
    prompts: Sequence[Sequence[int]],
    continuations: Sequence[Sequence[int]],
    pad_id: int,
    chunk: int = 16,
) -> list[float]:
    """Teacher-forced scores: the sum of each continuation's token log-probabilities given
    its prompt (the prompt's own tokens are not counted).

    Call it under ``torch.inference_mode()`` with the model in eval mode.

    Args:
        model: the causal model.
        prompts: prompt ids per row.
        continuations: continuation ids per row (at least one token each).
        pad_id: the padding id.
        chunk: rows per forward pass. Only the continuation's positions get logits
            (``logits_to_keep``), so a long prompt costs no (length, vocab) tensor.

    Returns:
        One score per row.
    """
    device = next(model.parameters()).device
    scores: list[float] = []
    for lo in range(0, len(prompts), chunk):
        tails = continuations[lo : lo + chunk]
        rows = [[*p, *c] for p, c in zip(prompts[lo : lo + chunk], tails)]
        ids, mask = left_pad(rows, pad_id, device)  # (n, width) x2
        keep = max(len(c) for c in tails) + 1  # logits of the positions that predict them
        forward: Any = model  # transformers types its __call__ loosely
        logits = forward(
            input_ids=ids, attention_mask=mask, position_ids=positions(mask), logits_to_keep=keep
        ).logits  # (n, keep, vocab): only the last positions, whatever the prompt's length
        log_probs = logits[:, :-1].float().log_softmax(-1)  # (n, keep - 1, vocab)
        targets = ids[:, -(keep - 1) :]  # (n, keep - 1)
        token = log_probs.gather(-1, targets[:, :, None]).squeeze(-1)  # (n, keep - 1)
        counted = torch.zeros_like(token, dtype=torch.bool)  # (n, keep - 1)
        for i, tokens in enumerate(tails):
            counted[i, counted.shape[1] - len(tokens) :] = True
        scores += token.masked_fill(~counted, 0.0).sum(-1).tolist()
    return scores


@contextlib.contextmanager
def plain_generation_config(model: PreTrainedModel, pad_id: int) -> Iterator[None]:
    """Swaps in a generation config holding only the special tokens, for the duration:
    ``generate`` fills unset options from ``model.generation_config``, and a published
    model's (a repetition penalty, a default temperature) would change the scores."""
    from transformers import GenerationConfig

    # A peft model generates with the generation config of the model it wraps.
    unwrap = getattr(model, "get_base_model", None)
    inner: Any = unwrap() if callable(unwrap) else model
    own = inner.generation_config
    inner.generation_config = GenerationConfig(pad_token_id=pad_id)
    try:
        yield
    finally:
        inner.generation_config = own


@dataclass(frozen=True)
class Completions:
    """What :func:`generate_completions` returns, per prompt."""

    tokens: list[list[list[int]]]
    """Per prompt, per returned sequence: the generated ids (padding included)."""
    scores: list[list[float]] | None
    """Per prompt, per sequence: the beam score (sum of log-probs), ``-inf`` for an unfilled
    slot; None when the sequences must be rescored (greedy search, sampling)."""


def generation_config(
    num: int,
    max_new_tokens: int,
    options: GenerationOptions,
    stops: Sequence[int],
    pad_id: int,
    stop_strings: Sequence[str] = (),
    suppress: Sequence[int] = (),
) -> GenerationConfig:
    """The ``GenerationConfig`` of a beam search (``num`` beams, length penalty 0) or of
    ``num`` samples (``suppress``: ids never sampled)."""
    from transformers import GenerationConfig

    mode: dict[str, Any]
    if options.mode == "sample":
        mode = {"do_sample": True, "temperature": options.temperature, "top_k": options.top_k}
        mode.update(top_p=options.top_p, suppress_tokens=list(suppress) or None)
    elif num > 1:
        mode = {"do_sample": False, "num_beams": num, "length_penalty": 0.0, "output_scores": True}
        mode["early_stopping"] = False  # with length_penalty 0 the heuristic is exact
    else:
        mode = {"do_sample": False}
    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        num_return_sequences=num,
        return_dict_in_generate=True,
        eos_token_id=list(stops),
        pad_token_id=pad_id,
        stop_strings=list(stop_strings) or None,
        **mode,
    )


def generate_completions(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Sequence[Sequence[int]],
    config: GenerationConfig,
    seed: int | None = None,
) -> Completions:
    """Runs ``generate`` on left-padded prompts (eval mode, inference mode).

    Args:
        model: the causal model, in eval mode.
        tokenizer: its tokenizer (for multi-token stop strings).
        rows: the prompt ids (a tactic prefix included) per prompt.
        config: see :func:`generation_config`.
        seed: the sampling seed (the global random state is left as it was).

    Returns:
        The generated tokens, and beam scores when the config is a beam search.
    """
    device = next(model.parameters()).device
    ids, mask = left_pad(rows, int(config.pad_token_id), device)  # (batch, width) x2
    num = int(config.num_return_sequences)
    with plain_generation_config(model, int(config.pad_token_id)), seeded(seed, device):
        generate: Any = model.generate  # typed loosely by transformers
        output = generate(
            input_ids=ids, attention_mask=mask, generation_config=config, tokenizer=tokenizer
        )
    generated = output.sequences[:, ids.shape[1] :].reshape(len(rows), num, -1)  # (b, n, new)
    if config.num_beams is None or config.num_beams <= 1:
        return Completions(generated.tolist(), None)
    scores = output.sequences_scores.float()  # (batch * num,)
    scores = scores.masked_fill(scores < _UNFINISHED, float("-inf")).view(len(rows), num)
    return Completions(generated.tolist(), scores.tolist())
