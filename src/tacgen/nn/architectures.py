"""T5 architectures by name, and building a T5 model (seq2seq or encoder) from any source.

A model is named by one of:

* a named architecture trained from scratch (:data:`SEQ2SEQ_ARCHITECTURES` for the
  generator, :data:`ENCODER_ARCHITECTURES` for the retriever's encoder);
* a path to a ``config.json`` (trained from scratch);
* a local directory written by ``save_pretrained`` (ReProver's published generator
  ``kaiyuy/leandojo-lean4-tacgen-byt5-small`` has this layout; an encoder may be loaded
  from a whole seq2seq directory, whose decoder is ignored);
* a hub name, loaded through the local Hugging Face cache (``google/byt5-small``).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import torch

from tacgen.core.errors import ConfigError, one_line

if TYPE_CHECKING:
    from transformers import PreTrainedModel, T5Config

Kind = Literal["seq2seq", "encoder"]
"""``T5ForConditionalGeneration`` (the generator) or ``T5EncoderModel`` (the retriever)."""

BYTE_VOCAB = 259
"""256 bytes + pad, eos, unk: the smallest vocabulary a ByT5-style model can have."""


@dataclass(frozen=True)
class T5Architecture:
    """The shape of a byte-level T5, built with random weights by name."""

    d_model: int
    """Width of the hidden states."""
    d_ff: int
    """Width of the feed-forward layers."""
    d_kv: int
    """Width of each attention head."""
    num_heads: int
    """Attention heads per layer."""
    num_layers: int
    """Encoder layers."""
    num_decoder_layers: int
    """Decoder layers (unused by an encoder)."""
    vocab_size: int = 384
    """ByT5's vocabulary: 3 special tokens, 256 bytes, 125 unused extra ids."""
    feed_forward_proj: str = "gated-gelu"
    """ByT5's gated GELU feed-forward."""
    dropout_rate: float = 0.1
    """Dropout in training."""

    def __post_init__(self) -> None:
        sizes = (self.d_model, self.d_ff, self.d_kv, self.num_heads, self.num_layers)
        if min(sizes) < 1 or self.num_decoder_layers < 1:
            raise ConfigError(f"every size of a T5 architecture must be >= 1: {self}")
        if self.vocab_size < BYTE_VOCAB:
            raise ConfigError(f"vocab_size {self.vocab_size} < {BYTE_VOCAB} (bytes + specials)")

    def config_dict(self) -> dict[str, Any]:
        """The ``T5Config`` fields of this shape (ByT5's special tokens, untied head)."""
        return {
            **asdict(self),
            "tie_word_embeddings": False,
            "decoder_start_token_id": 0,
            "pad_token_id": 0,
            "eos_token_id": 1,
        }


BYT5_SMALL = T5Architecture(
    d_model=1472, d_ff=3584, d_kv=64, num_heads=6, num_layers=12, num_decoder_layers=4
)
"""The shape of the public ``google/byt5-small`` (ReProver's generator and retriever)."""

SEQ2SEQ_ARCHITECTURES: dict[str, T5Architecture] = {
    # Demo-sized: learns a small corpus in minutes on two CPU cores.
    "tiny": T5Architecture(
        d_model=192, d_ff=512, d_kv=32, num_heads=6, num_layers=2, num_decoder_layers=2
    ),
    "byt5-small": BYT5_SMALL,
}
"""Generator architectures built from scratch by name."""

ENCODER_ARCHITECTURES: dict[str, T5Architecture] = {
    # Demo-sized: trains on the demo corpus in a minute or two on two cores.
    "tiny": T5Architecture(
        d_model=128, d_ff=256, d_kv=32, num_heads=4, num_layers=2, num_decoder_layers=2
    ),
    "byt5-small": BYT5_SMALL,
}
"""Retriever encoder architectures built from scratch by name."""

_NAMED: dict[Kind, dict[str, T5Architecture]] = {
    "seq2seq": SEQ2SEQ_ARCHITECTURES,
    "encoder": ENCODER_ARCHITECTURES,
}
_WHAT: dict[Kind, str] = {"seq2seq": "model", "encoder": "encoder"}

# Messages transformers logs while loading that are expected here: transformers 5 ties T5's
# lm_head and warns when a checkpoint's differs (every ByT5 checkpoint; the untied weights
# are loaded correctly), and loading a seq2seq directory into an encoder lists each decoder
# weight.
_EXPECTED_LOAD_WARNINGS: dict[Kind, str] = {
    "seq2seq": "both are present in the checkpoints with different values",
    "encoder": "decoder",
}


class _DropMessages(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


@contextlib.contextmanager
def _quiet_load(kind: Kind) -> Iterator[None]:
    log = logging.getLogger("transformers.modeling_utils")
    drop = _DropMessages(_EXPECTED_LOAD_WARNINGS[kind])
    log.addFilter(drop)
    try:
        yield
    finally:
        log.removeFilter(drop)


def t5_config(
    values: Mapping[str, Any], source: str = "config", kind: Kind = "seq2seq"
) -> T5Config:
    """Builds and checks a byte-level T5 config.

    Args:
        values: ``T5Config`` fields (``model_type`` and ``architectures`` may be present).
        source: what the values came from, for error messages.
        kind: what the config is for, for error messages.

    Returns:
        The config.

    Raises:
        ConfigError: when the values are not a valid T5 config for byte-level input.
    """
    from transformers import T5Config

    what = _WHAT[kind]
    model_type = values.get("model_type", "t5")
    if model_type != "t5":
        raise ConfigError(f"bad {what} config {source}: model_type is {model_type!r}, not 't5'")
    try:
        config = T5Config.from_dict(dict(values))
    except Exception as error:  # TypeError, ValueError, huggingface_hub's StrictDataclassError
        raise ConfigError(f"bad {what} config {source}: {one_line(error)}") from error
    if config.vocab_size < BYTE_VOCAB:
        raise ConfigError(
            f"bad {what} config {source}: vocab_size {config.vocab_size} < {BYTE_VOCAB} "
            "(3 special tokens + 256 bytes)"
        )
    return config


def _untie_lm_head(model: Any) -> None:
    # ByT5 keeps a separate output projection. Fan-in scaling (std d_model ** -0.5) gives
    # unit-variance logits at init; transformers' std=1.0 starts from a loss of ~40.
    weight = torch.empty_like(model.shared.weight)
    std = model.config.initializer_factor * model.config.d_model**-0.5
    torch.nn.init.normal_(weight, mean=0.0, std=std)
    model.lm_head.weight = torch.nn.Parameter(weight)
    tied = getattr(model, "all_tied_weights_keys", None)
    if isinstance(tied, dict):
        # Otherwise save_pretrained drops lm_head.weight as a duplicate of shared.weight.
        tied.pop("lm_head.weight", None)


def model_from_config(config: T5Config, kind: Kind = "seq2seq") -> PreTrainedModel:
    """A randomly initialised model in train mode (a seq2seq one keeps its head untied).

    Args:
        config: the architecture.
        kind: ``"seq2seq"`` or ``"encoder"``.

    Returns:
        The model.
    """
    from transformers import T5EncoderModel, T5ForConditionalGeneration

    if kind == "encoder":
        return T5EncoderModel(config).train()
    model = T5ForConditionalGeneration(config)
    # transformers 5 records tie_word_embeddings=False as scale_decoder_outputs=False and
    # ties anyway; transformers 4 honours tie_word_embeddings itself.
    untied = getattr(config, "scale_decoder_outputs", config.tie_word_embeddings) is False
    if untied and model.lm_head.weight is model.shared.weight:
        _untie_lm_head(model)
    return model.train()


def _from_pretrained(name: str, kind: Kind) -> PreTrainedModel:
    from transformers import T5EncoderModel, T5ForConditionalGeneration

    cls = T5EncoderModel if kind == "encoder" else T5ForConditionalGeneration
    what = _WHAT[kind]
    try:
        with _quiet_load(kind):
            model = cls.from_pretrained(name, dtype=torch.float32)
    except OSError as error:
        raise FileNotFoundError(f"cannot load {what} {name!r}: {one_line(error)}") from error
    if model.config.vocab_size < BYTE_VOCAB:
        raise ConfigError(f"{what} {name!r} has vocab_size {model.config.vocab_size}, not bytes")
    return model.train()  # from_pretrained returns eval mode; training needs dropout on


def read_config_file(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in a ``config.json``.

    Args:
        path: the file.
        what: "model" or "encoder", for the error message.

    Returns:
        The object.

    Raises:
        ConfigError: when the file is unreadable or not a JSON object.
    """
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"bad {what} config {path}: {error}") from error
    if not isinstance(values, dict):
        raise ConfigError(f"bad {what} config {path}: expected a JSON object")
    return values


def _looks_like_path(name: str) -> bool:
    # Hub names are "owner/name"; anything else with a separator, or a file suffix, is a path.
    return name.startswith((".", "/", "~")) or name.endswith(".json") or name.count("/") > 1


def build_model(model_name: str, kind: Kind = "seq2seq") -> PreTrainedModel:
    """Builds the model that ``model_name`` names (see the module docstring).

    Args:
        model_name: a named architecture, a ``config.json`` path, a ``save_pretrained``
            directory, or a hub name available in the local cache.
        kind: ``"seq2seq"`` (the generator) or ``"encoder"`` (the retriever).

    Returns:
        The model in train mode, float32.

    Raises:
        FileNotFoundError: when a path does not exist, a directory has no ``config.json``,
            or a directory or hub name cannot be loaded.
        ConfigError: when the name is unknown or the config is not a byte-level T5.
    """
    named, what = _NAMED[kind], _WHAT[kind]
    if model_name in named:
        return model_from_config(t5_config(named[model_name].config_dict(), model_name, kind), kind)
    path = Path(model_name).expanduser()
    if path.is_file():
        values = read_config_file(path, what)
        return model_from_config(t5_config(values, str(path), kind), kind)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{what} directory has no config.json: {path}")
        return _from_pretrained(str(path), kind)
    if _looks_like_path(model_name):
        raise FileNotFoundError(f"{what} path does not exist: {model_name}")
    if "/" not in model_name:
        names = ", ".join(sorted(named))
        raise ConfigError(
            f"unknown {what} {model_name!r}: not one of {names}, a path, or an owner/name hub model"
        )
    return _from_pretrained(model_name, kind)
