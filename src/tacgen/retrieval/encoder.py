"""Encoding for the dense retriever: masked mean pooling, batched encoding, weight hashes.

The encoder itself (a ByT5 ``T5EncoderModel``) is built by
:func:`tacgen.nn.architectures.build_model` with ``kind="encoder"``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import torch

from tacgen.core.errors import UsageError
from tacgen.nn.sampling import map_longest_first


def masked_mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Averages token states over the real (unpadded) tokens, then L2-normalises.

    Args:
        hidden: (batch, seq, dim) token states.
        mask: (batch, seq) attention mask, 1 for real tokens.

    Returns:
        (batch, dim) float32 unit vectors.
    """
    weights = mask.to(torch.float32).unsqueeze(-1)  # (batch, seq, 1)
    summed = (hidden.to(torch.float32) * weights).sum(dim=1)  # (batch, dim)
    # Every row has at least eos; the clamp only guards an all-padding row against 0/0.
    counts = weights.sum(dim=1).clamp(min=1.0)  # (batch, 1)
    return torch.nn.functional.normalize(summed / counts, dim=-1)  # (batch, dim)


def weights_sha256(module: torch.nn.Module) -> str:
    """SHA-256 of a module's state (names and raw bytes): which weights made an index.

    Args:
        module: the encoder.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def encode_in_batches(
    embed: Callable[[list[str]], torch.Tensor],
    texts: Sequence[str],
    batch_size: int,
    progress: bool = False,
) -> torch.Tensor:
    """Embeds texts in batches of similar length, longest first.

    Sorting by length keeps padding small; longest first makes an out-of-memory batch
    fail at once rather than at the end.

    Args:
        embed: embeds a list of texts as a (texts, dim) tensor.
        texts: the texts.
        batch_size: texts per call of ``embed``.
        progress: show a tqdm progress bar.

    Returns:
        (texts, dim) float32 embeddings in the order of ``texts``.
    """
    if not texts:
        raise UsageError("nothing to encode: no texts (an empty corpus?)")

    def encode(batch: list[int]) -> tuple[torch.Tensor, ...]:
        return embed([texts[i] for i in batch]).float().unbind()  # batch x (dim,)

    lengths = [len(t.encode("utf-8")) for t in texts]
    rows = map_longest_first(encode, lengths, batch_size, progress, "index", "premise")
    return torch.stack(rows)  # (texts, dim) in input order
