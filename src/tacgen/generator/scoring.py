"""Teacher-forced scores of given tactics: what a tactic library's candidates are worth.

The score is the beams' own (:func:`~tacgen.generator.decoding.sequence_log_probs`), so a
scored tactic and a searched one compare (see :mod:`tacgen.generator.options`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from tacgen.generator.decoding import sequence_log_probs
from tacgen.nn.module import eval_mode
from tacgen.nn.tokenizer import ByteTokenizer

if TYPE_CHECKING:
    from transformers import T5ForConditionalGeneration


def score_tactics(
    model: T5ForConditionalGeneration,
    tokenizer: ByteTokenizer,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    tactics: Sequence[Sequence[str]],
    length_penalty: float = 0.0,
) -> list[list[float]]:
    """Teacher-forced scores of given tactics: the score a search would give each one.

    The encoder runs once per input, whatever the number of tactics; the decoder scores
    every tactic (its bytes, then eos) in chunks. The definition is the beams' own
    (:func:`sequence_log_probs`), so a scored tactic and a searched one compare.

    Args:
        model: the seq2seq model.
        tokenizer: the byte tokenizer.
        input_ids: (batch, input_len) encoder input ids, on the model's device.
        attention_mask: (batch, input_len) encoder attention mask.
        tactics: for each input, the tactics to score (any number, possibly none).
        length_penalty: see :func:`sequence_log_probs`.

    Returns:
        For each input, the scores of its tactics, in order.
    """
    results: list[list[float]] = [[] for _ in tactics]
    with eval_mode(model), torch.inference_mode():
        for i, texts in enumerate(tactics):
            if not texts:
                continue
            rows = [[0, *tokenizer.encode(text)] for text in texts]  # start token, bytes, eos
            width = max(len(row) for row in rows)
            sequences = torch.tensor(
                [row + [0] * (width - len(row)) for row in rows], device=input_ids.device
            )  # (n, width)
            scores = sequence_log_probs(
                model, input_ids[i : i + 1], attention_mask[i : i + 1], sequences,
                length_penalty, tokenizer.eos_token_id,
            )  # fmt: skip  # (n,)
            results[i] = scores.tolist()
    return results
