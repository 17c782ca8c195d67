"""``CausalBatch``: the generator data module's batch as a causal model trains on it.

The data module collates :class:`~tacgen.generator.batch.Batch` objects (their byte
tensors are for T5); :class:`~tacgen.generator.causal_module.CausalGenerator` turns each
into a ``CausalBatch`` in Lightning's ``transfer_batch_to_device`` hook, on the main
process, from the batch's texts: each example is ``template.render(state, full_name,
proof_before)`` followed by the tactic's continuation, and only the continuation is
learned (the prompt's labels are -100).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from tacgen.core.records import Example
from tacgen.generator.causal_tokens import continuation_ids, prompt_ids
from tacgen.generator.templates import PromptTemplate
from tacgen.nn.batch import TensorBatch

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

IGNORED = -100
"""The label of tokens without loss (the prompt, padding)."""


@dataclass(frozen=True)
class CausalBatch(TensorBatch):
    """Prompts and tactics of a batch, tokenized as one right-padded sequence each."""

    prompts: tuple[str, ...]
    """The rendered prompts."""
    tactics: tuple[str, ...]
    """The reference tactics."""
    examples: tuple[Example, ...]
    """The stored examples (where each one is)."""
    input_ids: torch.Tensor
    """(batch, len) int64 prompt then continuation, right-padded."""
    attention_mask: torch.Tensor
    """(batch, len) int64 mask."""
    labels: torch.Tensor
    """(batch, len) int64 the continuation's ids, -100 on the prompt and padding."""

    def __len__(self) -> int:
        return len(self.prompts)


def encode_examples(
    tokenizer: PreTrainedTokenizerBase,
    template: PromptTemplate,
    prompts: Sequence[str],
    tactics: Sequence[str],
    max_input_length: int,
    max_output_length: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Tokenized training sequences with the prompt masked out of the loss.

    Args:
        tokenizer: the model's tokenizer (its pad token, else eos, pads).
        template: the prompt template (the continuation's end).
        prompts: rendered prompts (cut to their last ``max_input_length`` tokens).
        tactics: target tactics (continuations cut to ``max_output_length`` tokens).
        max_input_length: the most prompt tokens.
        max_output_length: the most continuation tokens, eos included.

    Returns:
        (batch, len) ids, (batch, len) attention mask, (batch, len) labels.
    """
    rows, labels = [], []
    for prompt, tactic in zip(prompts, tactics, strict=True):
        head = prompt_ids(tokenizer, prompt, max_input_length)
        tail = continuation_ids(tokenizer, template, tactic, max_output_length)
        rows.append(head + tail)
        labels.append([IGNORED] * len(head) + tail)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    width = max(len(row) for row in rows)
    ids = torch.tensor([row + [pad] * (width - len(row)) for row in rows])  # (batch, len)
    mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in rows])  # (b, len)
    targets = torch.tensor([row + [IGNORED] * (width - len(row)) for row in labels])  # (b, len)
    return ids, mask, targets
