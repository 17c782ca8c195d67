"""The premise retriever's encoder: a ByT5 (T5) encoder, masked mean pooling, L2 norm.

An encoder is named by one of:

* a named architecture trained from scratch (:data:`NAMED_ENCODER_CONFIGS`: ``"tiny"``,
  ``"byt5-small"``, the encoder shape of ``google/byt5-small``);
* a path to a ``config.json`` (trained from scratch);
* a local directory written by ``save_pretrained`` (a ``T5EncoderModel`` or a whole
  ``T5ForConditionalGeneration``, whose decoder is ignored);
* a hub name, loaded through the local Hugging Face cache (e.g. ``google/byt5-small``).

This mirrors ``tacgen.model.loading`` for the encoder; retrieval sits below the model
layer and may not import it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from tacgen.modelsource import BYTE_VOCAB, one_line, read_config_file, resolve_model_name

if TYPE_CHECKING:
    from transformers import T5Config, T5EncoderModel

"""The smallest usable vocabulary: 3 special tokens (pad, eos, unk) + 256 bytes."""

TINY_ENCODER_CONFIG: dict[str, Any] = {
    "vocab_size": 384,
    "d_model": 128,
    "d_ff": 256,
    "d_kv": 32,
    "num_heads": 4,
    "num_layers": 2,
    "feed_forward_proj": "gated-gelu",
    "dropout_rate": 0.1,
    "pad_token_id": 0,
    "eos_token_id": 1,
}
"""A demo-sized byte encoder: trains on the demo corpus in a minute or two on two cores."""

BYT5_SMALL_ENCODER_CONFIG: dict[str, Any] = {
    "vocab_size": 384,
    "d_model": 1472,
    "d_ff": 3584,
    "d_kv": 64,
    "num_heads": 6,
    "num_layers": 12,
    "feed_forward_proj": "gated-gelu",
    "dropout_rate": 0.1,
    "pad_token_id": 0,
    "eos_token_id": 1,
}
"""The encoder shape of the public ``google/byt5-small`` (ReProver's retriever backbone)."""

NAMED_ENCODER_CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": TINY_ENCODER_CONFIG,
    "byt5-small": BYT5_SMALL_ENCODER_CONFIG,
}
"""Architectures that :func:`build_encoder` builds from scratch by name."""


class _DropUnusedDecoderWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Loading a whole seq2seq directory into an encoder reports every decoder weight.
        return "decoder" not in record.getMessage()


@contextlib.contextmanager
def _quiet_decoder_warning() -> Iterator[None]:
    log = logging.getLogger("transformers.modeling_utils")
    drop = _DropUnusedDecoderWarning()
    log.addFilter(drop)
    try:
        yield
    finally:
        log.removeFilter(drop)


def encoder_config_from_dict(values: Mapping[str, Any], source: str = "config") -> T5Config:
    """Builds and checks a T5 config for the encoder.

    Args:
        values: ``T5Config`` fields (``model_type`` and ``architectures`` may be present).
        source: what the values came from, for error messages.

    Returns:
        The config.

    Raises:
        ValueError: when the values are not a valid T5 config for byte-level input.
    """
    from transformers import T5Config

    model_type = values.get("model_type", "t5")
    if model_type != "t5":
        raise ValueError(f"bad encoder config {source}: model_type is {model_type!r}, not 't5'")
    try:
        config = T5Config.from_dict(dict(values))
    except Exception as error:  # TypeError, ValueError, huggingface_hub's StrictDataclassError
        raise ValueError(f"bad encoder config {source}: {one_line(error)}") from error
    if config.vocab_size < BYTE_VOCAB:
        raise ValueError(
            f"bad encoder config {source}: vocab_size {config.vocab_size} < {BYTE_VOCAB} "
            "(3 special tokens + 256 bytes)"
        )
    return config


def encoder_from_config(config: T5Config) -> T5EncoderModel:
    """A randomly initialised encoder in train mode.

    Args:
        config: the architecture.

    Returns:
        The encoder.
    """
    from transformers import T5EncoderModel

    return T5EncoderModel(config).train()


def _from_pretrained(name: str) -> T5EncoderModel:
    from transformers import T5EncoderModel

    try:
        with _quiet_decoder_warning():
            model = T5EncoderModel.from_pretrained(name, dtype=torch.float32)
    except OSError as error:
        raise FileNotFoundError(f"cannot load encoder {name!r}: {one_line(error)}") from error
    if model.config.vocab_size < BYTE_VOCAB:
        raise ValueError(f"encoder {name!r} has vocab_size {model.config.vocab_size}, not bytes")
    # from_pretrained returns eval mode; training needs dropout on.
    return model.train()


def build_encoder(model_name: str) -> T5EncoderModel:
    """Builds the encoder that ``model_name`` names (see the module docstring).

    Args:
        model_name: a named architecture, a ``config.json`` path, a ``save_pretrained``
            directory, or a hub name available in the local cache.

    Returns:
        The encoder in train mode, float32.

    Raises:
        FileNotFoundError: when a path does not exist, a directory has no ``config.json``,
            or a hub name cannot be loaded.
        ValueError: when the config is not a valid byte-level T5 config.
    """
    kind, source = resolve_model_name(model_name, NAMED_ENCODER_CONFIGS, "encoder")
    if kind == "named":
        return encoder_from_config(encoder_config_from_dict(source, model_name))
    if kind == "file":
        return encoder_from_config(
            encoder_config_from_dict(read_config_file(source, "encoder"), str(source))
        )
    return _from_pretrained(source)


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


@contextlib.contextmanager
def eval_mode(module: torch.nn.Module) -> Iterator[None]:
    """Eval mode (dropout off) for a block, then the module's previous mode again.

    Args:
        module: the module.
    """
    was_training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(was_training)


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
    from tqdm import tqdm

    lengths = np.fromiter((len(t.encode()) for t in texts), dtype=np.int64, count=len(texts))
    order = np.argsort(-lengths, kind="stable")  # (texts,)
    parts: list[torch.Tensor] = []
    bar = tqdm(total=len(texts), desc="index", unit="premise", disable=not progress)
    for lo in range(0, len(texts), batch_size):
        chunk = order[lo : lo + batch_size]
        parts.append(embed([texts[i] for i in chunk]).float())  # (chunk, dim)
        bar.update(len(chunk))
    bar.close()
    if not parts:
        raise ValueError("nothing to encode: no texts (an empty corpus?)")
    ordered = torch.cat(parts)  # (texts, dim) in length order
    inverse = torch.from_numpy(np.argsort(order)).to(ordered.device)  # (texts,)
    return ordered[inverse]  # (texts, dim) in input order
