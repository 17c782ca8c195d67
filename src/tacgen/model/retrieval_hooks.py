"""How the generator uses an attached premise retriever.

The retriever is kept outside the generator's module tree: it must not enter the
generator's optimizer, ``state_dict`` or checkpoints, nor follow its ``train()`` calls.
A ``torch.nn.Module`` retriever is frozen and put in eval mode when attached, and moved
to the generator's device when used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import torch

from tacgen.data.formatting import format_augmented_state
from tacgen.data.records import Batch, Position, Premise
from tacgen.data.tokenizer import ByteTokenizer
from tacgen.retrieval.base import PremiseRetrieverLike


def prepare_retriever(retriever: Any) -> PremiseRetrieverLike | None:
    """Checks a retriever before it is attached; freezes a module one.

    Args:
        retriever: a :class:`PremiseRetrieverLike`, or None to detach.

    Returns:
        The same object.

    Raises:
        TypeError: when it has no ``retrieve_premises``.
    """
    if retriever is None:
        return None
    if not isinstance(retriever, PremiseRetrieverLike):
        raise TypeError(
            f"a retriever needs a retrieve_premises method, got {type(retriever).__name__}"
        )
    if isinstance(retriever, torch.nn.Module):
        retriever.requires_grad_(False)
        retriever.eval()
    return retriever


def retrieve(
    retriever: PremiseRetrieverLike,
    device: torch.device,
    states: Sequence[str],
    file_paths: Sequence[str],
    theorem_full_names: Sequence[str],
    theorem_positions: Sequence[Position],
    k: int,
) -> list[list[Premise]]:
    """Retrieves ``k`` premises per state, on the generator's device, in eval mode.

    Args:
        retriever: the attached retriever.
        device: the generator's device (a module retriever is moved there).
        states: the formatted proof states.
        file_paths: for each state, its theorem's Lean file.
        theorem_full_names: for each state, its theorem's full name.
        theorem_positions: for each state, its theorem's start.
        k: premises per state.

    Returns:
        For each state, the premises, best first.
    """
    if isinstance(retriever, torch.nn.Module):
        first = next(retriever.parameters(), None)
        if first is not None and first.device != device:
            retriever.to(device)
        retriever.eval()  # a caller may have switched it back to training mode
    with torch.no_grad():
        return retriever.retrieve_premises(
            states, file_paths, theorem_full_names, theorem_positions, k
        )


def augment_batch(
    retriever: PremiseRetrieverLike,
    batch: Batch,
    device: torch.device,
    k: int,
    max_input_length: int,
    tokenizer: ByteTokenizer,
) -> Batch:
    """The batch with its inputs rebuilt from freshly retrieved premises (no dropping).

    Args:
        retriever: the attached retriever.
        batch: a collated batch; its examples give the un-augmented states.
        device: where the new input tensors go (the generator's).
        k: premises retrieved per state (``eval_num_retrieved``).
        max_input_length: the input budget in bytes.
        tokenizer: the generator's tokenizer.

    Returns:
        A copy whose ``state``, ``state_ids`` and ``state_mask`` hold the augmented inputs.
    """
    examples = batch.examples
    states = [e.state for e in examples]
    premises = retrieve(
        retriever,
        device,
        states,
        [e.file_path for e in examples],
        [e.full_name for e in examples],
        [e.start for e in examples],
        k,
    )
    texts = [format_augmented_state(s, p, max_input_length, 0.0) for s, p in zip(states, premises)]
    ids, mask = tokenizer.batch_encode(texts, max_input_length)  # (batch, input_len) x2
    return replace(batch, state=tuple(texts), state_ids=ids.to(device), state_mask=mask.to(device))
