"""Decoding: beam search through transformers' ``generate``, scored by sequence log-probability.

:func:`decode_candidates` is the one function that turns encoded inputs into ranked tactics;
validation, prediction and every torch-backed generator call it.

transformers 5 keeps beam search in core (``GenerationMixin._beam_search``). Its
``sequences_scores`` are the sum of the token log-probabilities of each finished
sequence (its eos included) divided by ``generated_length ** length_penalty``; with
``length_penalty=0`` they are plain sequence log-probabilities. Greedy decoding
(``num_beams=1``) returns no ``sequences_scores``, so they are summed here from the
per-step scores.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import torch

from tacgen.core.errors import UsageError
from tacgen.data.formatting import remove_marks
from tacgen.nn.module import eval_mode
from tacgen.nn.tokenizer import ByteTokenizer

if TYPE_CHECKING:
    from transformers import GenerationConfig, T5ForConditionalGeneration

_UNFINISHED = -1.0e8
"""transformers marks empty beam slots with a score of -1e9; anything below this is one."""


def _special_tokens(model: T5ForConditionalGeneration) -> dict[str, int]:
    own = model.generation_config
    pad = own.pad_token_id if own.pad_token_id is not None else 0
    eos = own.eos_token_id if own.eos_token_id is not None else 1
    start = own.decoder_start_token_id
    return {
        "pad_token_id": int(pad),
        "eos_token_id": int(eos[0] if isinstance(eos, list) else eos),
        "decoder_start_token_id": int(pad if start is None else start),
    }


@contextlib.contextmanager
def _plain_generation_config(model: T5ForConditionalGeneration) -> Iterator[dict[str, int]]:
    """Swaps in a generation config holding only the special tokens, for the duration.

    transformers 5 fills every option left unset in the config passed to ``generate``
    from ``model.generation_config``, so a repetition penalty or forced token stored with a
    checkpoint would otherwise change what the scores mean.
    """
    from transformers import GenerationConfig

    own = model.generation_config
    tokens = _special_tokens(model)
    model.generation_config = GenerationConfig(**tokens)
    try:
        yield tokens
    finally:
        model.generation_config = own


def _generation_config(
    tokens: dict[str, int], num_beams: int, max_new_tokens: int, length_penalty: float
) -> GenerationConfig:
    from transformers import GenerationConfig

    beam_options: dict[str, object] = {}
    if num_beams > 1:  # greedy search warns about beam options
        beam_options = {
            "num_beams": num_beams,
            "num_return_sequences": num_beams,
            "length_penalty": length_penalty,
            # With length_penalty <= 0 the early-stopping heuristic is exact.
            "early_stopping": False,
        }
    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=False,
        output_scores=True,
        return_dict_in_generate=True,
        **tokens,
        **beam_options,
    )


def _greedy_scores(
    sequences: torch.Tensor, step_scores: Sequence[torch.Tensor], eos_token_id: int
) -> torch.Tensor:
    """Log-probability of greedy outputs, counting tokens up to and including the first eos."""
    log_probs = torch.stack(list(step_scores), dim=1).float().log_softmax(-1)  # (b, gen, vocab)
    tokens = sequences[:, 1 : 1 + log_probs.shape[1]]  # (b, gen)
    token_log_probs = log_probs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)  # (b, gen)
    is_eos = (tokens == eos_token_id).long()  # (b, gen)
    after_eos = (is_eos.cumsum(-1) - is_eos) > 0  # (b, gen)
    return token_log_probs.masked_fill(after_eos, 0.0).sum(-1)  # (b,)


def beam_search(
    model: T5ForConditionalGeneration,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    num_beams: int,
    max_new_tokens: int,
    length_penalty: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Runs beam search and returns every beam with its score, best first.

    Call it under ``torch.inference_mode()`` with the model in eval mode.

    Args:
        model: the seq2seq model.
        input_ids: (batch, input_len) encoder input ids.
        attention_mask: (batch, input_len) encoder attention mask.
        num_beams: beams kept, and sequences returned, per input (1 is greedy search).
        max_new_tokens: the most tokens generated per sequence, eos included.
        length_penalty: the score is ``log p / length ** length_penalty``.

    Returns:
        ``(sequences, scores)``: (batch, num_beams, out_len) ids starting with the decoder
        start token (positions after eos hold pad or eos), and (batch, num_beams) float32
        scores; an unfilled beam slot scores ``-inf``.
    """
    if num_beams < 1 or max_new_tokens < 1:
        raise UsageError(
            f"need num_beams >= 1 and max_new_tokens >= 1, got {num_beams}, {max_new_tokens}"
        )
    with _plain_generation_config(model) as tokens:
        config = _generation_config(tokens, num_beams, max_new_tokens, length_penalty)
        output = model.generate(
            input_ids=input_ids, attention_mask=attention_mask, generation_config=config
        )
    batch = input_ids.shape[0]
    sequences = output.sequences  # (batch * num_beams, out_len)
    if num_beams == 1:
        scores = _greedy_scores(sequences, output.scores, tokens["eos_token_id"])
    else:
        scores = output.sequences_scores.float()  # (batch * num_beams,)
        scores = scores.masked_fill(scores < _UNFINISHED, float("-inf"))
    return sequences.view(batch, num_beams, -1), scores.view(batch, num_beams)


def generated_tokens(row: Sequence[int], eos_token_id: int) -> list[int]:
    """The generated tokens of one output row: the start token dropped, cut after eos.

    Args:
        row: an output row, beginning with the decoder start token.
        eos_token_id: the end-of-sequence id.

    Returns:
        The tokens after the start token, up to and including the first eos (if any).
    """
    tokens = list(row[1:])
    if eos_token_id in tokens:
        return tokens[: tokens.index(eos_token_id) + 1]
    return tokens


Candidates = list[tuple[str, float]]
"""Tactics with their scores (log-probabilities), best first."""


def rank_candidates(texts: Sequence[str], scores: Sequence[float]) -> Candidates:
    """Deduplicates candidates, keeping each text's best score, and sorts best first.

    Candidates with a score of ``-inf`` (unfilled beams) are dropped. Ties keep the
    order of first appearance.

    Args:
        texts: candidate texts.
        scores: their scores.

    Returns:
        ``(text, score)`` pairs, best first, each text once.
    """
    best: dict[str, float] = {}
    for text, score in zip(texts, scores, strict=True):
        if score == float("-inf"):
            continue
        if text not in best or score > best[text]:
            best[text] = score
    return sorted(best.items(), key=lambda pair: pair[1], reverse=True)


def decode_candidates(
    model: T5ForConditionalGeneration,
    tokenizer: ByteTokenizer,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    num_beams: int,
    max_output_length: int,
    length_penalty: float = 0.0,
) -> list[Candidates]:
    """Beam search from encoded inputs: decoded, unmarked, deduplicated, best first.

    The model is put in eval mode for the search and given back in its previous mode.

    Args:
        model: the seq2seq model.
        tokenizer: the byte tokenizer (for decoding).
        input_ids: (batch, input_len) encoder input ids, on the model's device.
        attention_mask: (batch, input_len) encoder attention mask.
        num_beams: beams, and candidates before deduplication, per input.
        max_output_length: the most tokens generated per tactic, eos included.
        length_penalty: scores are ``log p / length ** length_penalty``.

    Returns:
        For each input, distinct tactics with their scores, best first.
    """
    with eval_mode(model), torch.inference_mode():
        sequences, scores = beam_search(
            model, input_ids, attention_mask, num_beams, max_output_length, length_penalty
        )  # (batch, beams, out_len), (batch, beams)
    eos = tokenizer.eos_token_id
    results: list[Candidates] = []
    for rows, row_scores in zip(sequences.tolist(), scores.tolist()):
        texts = [remove_marks(tokenizer.decode(generated_tokens(row, eos))) for row in rows]
        results.append(rank_candidates(texts, row_scores))
    return results
