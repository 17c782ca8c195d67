"""Token-level rules of causal (decoder-only) generators, shared by training and every
causal backend, so that a prompt, a target and a score mean the same everywhere.

* A prompt is tokenized as it is (special tokens in it are special; the tokenizer's own
  additions, such as Llama's BOS, are made). A prompt longer than ``max_input_length``
  tokens keeps its **last** ``max_input_length`` tokens: the template's tail (``:::``,
  ``TACTIC:``, the assistant turn) is what cues the tactic, and must stay.
* A tactic's continuation is the tokens of ``template.target(tactic)``, tokenized on their
  own, then the tokenizer's eos when ``template.end`` is empty.
* A completion ends at the first *stop token*: eos, or a stop text of the template that is
  one token (``<|im_end|>``); longer stop texts are cut in text (:meth:`PromptTemplate.tactic`).
* The score of a tactic is the sum of the log-probabilities of its continuation tokens
  given the prompt (temperature 1; the prompt excluded), as for seq2seq generators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tacgen.data.formatting import remove_marks
from tacgen.generator.templates import PromptTemplate

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


def prompt_ids(tokenizer: PreTrainedTokenizerBase, prompt: str, max_length: int) -> list[int]:
    """The token ids of a rendered prompt, cut to its last ``max_length`` tokens.

    Args:
        tokenizer: the model's tokenizer.
        prompt: the rendered prompt.
        max_length: the most prompt tokens (``max_input_length``).

    Returns:
        The ids.
    """
    ids: list[int] = tokenizer(prompt, add_special_tokens=True)["input_ids"]
    return ids[-max_length:]


def continuation_ids(
    tokenizer: PreTrainedTokenizerBase,
    template: PromptTemplate,
    tactic: str,
    max_length: int | None = None,
) -> list[int]:
    """The tokens a model is trained to generate, and scored on, for a tactic.

    Args:
        tokenizer: the model's tokenizer.
        template: the prompt template (its ``end``).
        tactic: the tactic.
        max_length: cut the tactic so that all fits in this many tokens, the end text and
            eos kept (training targets); None keeps all (scoring).

    Returns:
        The ids of ``template.target(tactic)``, then eos when ``template.end`` is empty.
    """
    ids: list[int] = tokenizer(template.target(tactic), add_special_tokens=False)["input_ids"]
    eos = [] if template.end else [eos_id(tokenizer)]
    if max_length is not None and len(ids) + len(eos) > max_length:
        # Cut the tactic, never its end: a cut target still teaches where tactics stop.
        end: list[int] = tokenizer(template.end, add_special_tokens=False)["input_ids"]
        body: list[int] = tokenizer(tactic, add_special_tokens=False)["input_ids"]
        ids = body[: max(max_length - len(end) - len(eos), 0)] + end
    return ids + eos


def eos_id(tokenizer: PreTrainedTokenizerBase) -> int:
    """The tokenizer's eos id."""
    eos = tokenizer.eos_token_id
    assert isinstance(eos, int), "causal tokenizers are checked to have an eos token"
    return eos


def stop_token_ids(tokenizer: PreTrainedTokenizerBase, template: PromptTemplate) -> list[int]:
    """The ids that end a completion: eos, and each stop text that is one token.

    Args:
        tokenizer: the model's tokenizer.
        template: the prompt template.

    Returns:
        The ids, eos first.
    """
    stops = [eos_id(tokenizer)]
    for text in template.stop:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) == 1 and ids[0] not in stops:
            stops.append(ids[0])
    return stops


def multi_token_stops(tokenizer: PreTrainedTokenizerBase, template: PromptTemplate) -> list[str]:
    """The template's stop texts that are more than one token (matched in text)."""
    return [
        text
        for text in template.stop
        if len(tokenizer(text, add_special_tokens=False)["input_ids"]) != 1
    ]


def completion_tokens(generated: Sequence[int], stops: Sequence[int]) -> list[int]:
    """The generated tokens up to and including the first stop token (all without one).

    Args:
        generated: the tokens after the prompt.
        stops: see :func:`stop_token_ids`.

    Returns:
        The completion's tokens: what its score covers.
    """
    for i, token in enumerate(generated):
        if token in stops:
            return list(generated[: i + 1])
    return list(generated)


def completion_tactic(
    tokenizer: PreTrainedTokenizerBase,
    template: PromptTemplate,
    tokens: Sequence[int],
    stops: Sequence[int],
) -> str:
    """The tactic of a completion: its text without the stop token, cut by the template
    (separator, stop texts, whitespace), premise marks removed.

    Args:
        tokenizer: the model's tokenizer.
        template: the prompt template.
        tokens: the completion (see :func:`completion_tokens`).
        stops: see :func:`stop_token_ids`.

    Returns:
        The tactic (possibly empty).
    """
    body = list(tokens[:-1]) if tokens and tokens[-1] in stops else list(tokens)
    text = str(tokenizer.decode(body, clean_up_tokenization_spaces=False))
    return remove_marks(template.tactic(text))
