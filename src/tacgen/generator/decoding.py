"""Decoding: beam search and sampling through transformers' ``generate``.

:func:`decode_candidates` is the one function that turns encoded inputs into ranked tactics;
validation, prediction and every torch-backed generator call it. Plain beam search keeps
``generate``'s own scores; sampling and tactic prefixes are rescored by one teacher-forced
pass (:func:`sequence_log_probs`), so that every score means the same (see
:mod:`tacgen.generator.options`).

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
from tacgen.generator.options import Candidates, prefix_fits
from tacgen.nn.module import eval_mode
from tacgen.nn.tokenizer import ByteTokenizer

if TYPE_CHECKING:
    from transformers import GenerationConfig, T5ForConditionalGeneration

    from tacgen.generator.options import GenerationOptions

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


def _beam_options(num_beams: int, length_penalty: float) -> dict[str, object]:
    """GenerationConfig's beam settings; none for one beam (greedy search warns of them)."""
    if num_beams <= 1:
        return {}
    # With length_penalty <= 0 the early-stopping heuristic is exact.
    return {"num_beams": num_beams, "length_penalty": length_penalty, "early_stopping": False}


def _after_first_eos(tokens: torch.Tensor, eos_token_id: int) -> torch.Tensor:
    """(rows, len) True at the positions after each row's first eos (they do not count)."""
    is_eos = (tokens == eos_token_id).long()  # (rows, len)
    return (is_eos.cumsum(-1) - is_eos) > 0  # (rows, len)


def _generation_config(
    tokens: dict[str, int], num_beams: int, max_new_tokens: int, length_penalty: float
) -> GenerationConfig:
    from transformers import GenerationConfig

    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=False,
        num_return_sequences=num_beams,
        output_scores=True,
        return_dict_in_generate=True,
        **tokens,
        **_beam_options(num_beams, length_penalty),
    )


def _greedy_scores(
    sequences: torch.Tensor, step_scores: Sequence[torch.Tensor], eos_token_id: int
) -> torch.Tensor:
    """Log-probability of greedy outputs, counting tokens up to and including the first eos."""
    log_probs = torch.stack(list(step_scores), dim=1).float().log_softmax(-1)  # (b, gen, vocab)
    tokens = sequences[:, 1 : 1 + log_probs.shape[1]]  # (b, gen)
    token_log_probs = log_probs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)  # (b, gen)
    after_eos = _after_first_eos(tokens, eos_token_id)  # (b, gen)
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


def rank_candidates(texts: Sequence[str], scores: Sequence[float]) -> Candidates:
    """Deduplicates candidates, keeping each text's best score, and sorts best first.

    Candidates with a score of ``-inf`` (unfilled beams) are dropped, and so are blank
    ones (an empty or whitespace tactic is no suggestion). Ties keep the order of first
    appearance.

    Args:
        texts: candidate texts.
        scores: their scores.

    Returns:
        ``(text, score)`` pairs, best first, each text once.
    """
    best: dict[str, float] = {}
    for text, score in zip(texts, scores, strict=True):
        if score == float("-inf") or not text.strip():
            continue
        if text not in best or score > best[text]:
            best[text] = score
    return sorted(best.items(), key=lambda pair: pair[1], reverse=True)


@contextlib.contextmanager
def seeded(seed: int | None, device: torch.device) -> Iterator[None]:
    """Sampling with a fixed seed, leaving the global random state as it was.

    Args:
        seed: the seed; None samples from the global state (and advances it).
        device: where the sampler draws (its CUDA state is forked too).
    """
    if seed is None:
        yield
        return
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def non_byte_tokens(vocab_size: int, eos_token_id: int = 1) -> list[int]:
    """The ids no tactic is made of: pad, unk and ByT5's extra ids (every id but the 256
    bytes and eos). Sampling never draws them: their text would vanish when decoded, and
    the tactic shown would not be the one scored."""
    return [i for i in (0, 1, 2) if i != eos_token_id] + list(range(259, vocab_size))


def _search_config(
    tokens: dict[str, int], num_samples: int, max_new_tokens: int, length_penalty: float,
    options: GenerationOptions, vocab_size: int,
) -> GenerationConfig:  # fmt: skip
    from transformers import GenerationConfig

    mode: dict[str, object]
    if options.mode == "sample":
        mode = {"do_sample": True, "temperature": options.temperature, "top_k": options.top_k}
        mode["top_p"] = options.top_p
        mode["suppress_tokens"] = non_byte_tokens(vocab_size, tokens["eos_token_id"])
    else:
        mode = {"do_sample": False, **_beam_options(num_samples, length_penalty)}
    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        num_return_sequences=num_samples,
        return_dict_in_generate=True,
        **tokens,
        **mode,
    )


def sequence_log_probs(
    model: T5ForConditionalGeneration,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    sequences: torch.Tensor,
    length_penalty: float = 0.0,
    eos_token_id: int = 1,
    chunk: int = 64,
) -> torch.Tensor:
    """Teacher-forced scores of decoder outputs: the sum of token log-probabilities after the
    start token, up to and including the first eos, divided by ``length ** length_penalty``.

    Args:
        model: the seq2seq model (eval mode, under ``inference_mode``).
        input_ids: (batch, input_len) encoder input ids.
        attention_mask: (batch, input_len) encoder attention mask.
        sequences: (batch * n, out_len) outputs, n per input, starting with the start token.
        length_penalty: the exponent of the length normalisation.
        eos_token_id: the end-of-sequence id.
        chunk: candidates scored per forward pass (bounds the memory of the logits).

    Returns:
        (batch * n,) float32 scores.
    """
    per_input = sequences.shape[0] // input_ids.shape[0]
    hidden = model.get_encoder()(input_ids=input_ids, attention_mask=attention_mask)[0]
    hidden = hidden.repeat_interleave(per_input, 0)  # (batch * n, input_len, d_model)
    mask = attention_mask.repeat_interleave(per_input, 0)  # (batch * n, input_len)
    targets = sequences[:, 1:]  # (batch * n, out_len - 1)
    after_eos = _after_first_eos(targets, eos_token_id)  # (batch * n, out_len - 1)
    parts = []
    for lo in range(0, sequences.shape[0], chunk):
        logits = model(
            encoder_outputs=(hidden[lo : lo + chunk],),
            attention_mask=mask[lo : lo + chunk],
            decoder_input_ids=sequences[lo : lo + chunk, :-1],
        ).logits  # (chunk, out_len - 1, vocab)
        token = logits.float().log_softmax(-1).gather(-1, targets[lo : lo + chunk, :, None])
        parts.append(token.squeeze(-1).masked_fill(after_eos[lo : lo + chunk], 0.0).sum(-1))
    scores = torch.cat(parts)  # (batch * n,)
    if length_penalty:
        scores = scores / (~after_eos).sum(-1).float() ** length_penalty
    return scores


def search(
    model: T5ForConditionalGeneration,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    num_samples: int,
    max_new_tokens: int,
    length_penalty: float,
    options: GenerationOptions,
    prefix_ids: Sequence[int] = (),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Beam search or sampling, optionally from a decoder prefix, rescored teacher-forced.

    Call it under ``torch.inference_mode()`` with the model in eval mode.

    Args:
        model, input_ids, attention_mask: as for :func:`beam_search`.
        num_samples: beams or samples per input.
        max_new_tokens: the most tokens generated after the prefix, eos included.
        length_penalty: see :func:`sequence_log_probs`.
        options: the mode and sampling parameters (``seed`` makes samples repeatable).
        prefix_ids: decoder tokens every output starts with (no eos).

    Returns:
        ``(sequences, scores)``: (batch, n, out_len) ids starting with the decoder start token
        and the prefix, and (batch, n) float32 scores covering prefix and generated tokens.
    """
    batch = input_ids.shape[0]
    with _plain_generation_config(model) as tokens:
        vocab = model.config.vocab_size
        config = _search_config(tokens, num_samples, max_new_tokens, length_penalty, options, vocab)
        start = [tokens["decoder_start_token_id"], *prefix_ids]
        decoder_input_ids = torch.tensor([start] * batch, device=input_ids.device)
        with seeded(options.seed, input_ids.device):
            output = model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                decoder_input_ids=decoder_input_ids,  # (batch, 1 + prefix)
                generation_config=config,
            )
    sequences = output.sequences  # (batch * n, out_len)
    eos = tokens["eos_token_id"]
    scores = sequence_log_probs(model, input_ids, attention_mask, sequences, length_penalty, eos)
    return sequences.view(batch, num_samples, -1), scores.view(batch, num_samples)


def decode_candidates(
    model: T5ForConditionalGeneration,
    tokenizer: ByteTokenizer,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    num_beams: int,
    max_output_length: int,
    length_penalty: float = 0.0,
    options: GenerationOptions | None = None,
) -> list[Candidates]:
    """Beam search (or sampling) from encoded inputs: decoded, unmarked, deduplicated, best
    first.

    The model is put in eval mode for the search and given back in its previous mode.

    Args:
        model: the seq2seq model.
        tokenizer: the byte tokenizer (for decoding).
        input_ids: (batch, input_len) encoder input ids, on the model's device.
        attention_mask: (batch, input_len) encoder attention mask.
        num_beams: beams (or samples), and candidates before deduplication, per input.
        max_output_length: the most tokens per tactic, a prefix and eos included.
        length_penalty: scores are ``log p / length ** length_penalty``.
        options: mode, sampling parameters and tactic prefix; plain beam search when None.

    Returns:
        For each input, distinct tactics with their scores, best first; none when the
        prefix leaves no room within ``max_output_length`` (:func:`prefix_fits`).
    """
    if options is not None and not prefix_fits(options.prefix, max_output_length):
        return [[] for _ in range(input_ids.shape[0])]  # no tactic within budget has it
    prefix_ids = tokenizer.encode(options.prefix)[:-1] if options and options.prefix else []
    with eval_mode(model), torch.inference_mode():
        if options is None or (options.mode == "beam" and not prefix_ids):
            sequences, scores = beam_search(
                model, input_ids, attention_mask, num_beams, max_output_length, length_penalty
            )  # (batch, beams, out_len), (batch, beams)
        else:
            new_tokens = max_output_length - len(prefix_ids)
            sequences, scores = search(
                model, input_ids, attention_mask, num_beams, new_tokens, length_penalty,
                options, prefix_ids,
            )  # fmt: skip
    eos = tokenizer.eos_token_id
    results: list[Candidates] = []
    for rows, row_scores in zip(sequences.tolist(), scores.tolist()):
        texts = [remove_marks(tokenizer.decode(generated_tokens(row, eos))) for row in rows]
        results.append(rank_candidates(texts, row_scores))
    return results
