"""Decoder-only (causal) language models by name, with their tokenizers.

A causal model is named by one of:

* a named architecture trained from scratch (:data:`CAUSAL_ARCHITECTURES`: ``tiny-qwen2``
  and ``tiny-llama`` for tests and the demo, ``qwen2-0.5b`` for benchmarks), which comes
  with tacgen's byte-level tokenizer (:func:`byte_level_tokenizer`);
* a local directory written by ``save_pretrained`` (an export, BFS-Prover's published
  weights), with its own ``tokenizer.json``;
* a hub name, loaded through the local Hugging Face cache only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import torch

from tacgen.core.errors import ConfigError, one_line

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

Family = Literal["qwen2", "llama"]
"""The transformers model families tacgen builds from scratch (CTranslate2 converts both)."""

EOS_TOKEN = "<|endoftext|>"
"""End of text: the byte-level tokenizer's eos and padding token (Qwen2's own name)."""
CHAT_TOKENS = ("<|im_start|>", "<|im_end|>")
"""ChatML's turn markers, single tokens as in Qwen2 and InternLM2 (chat templates)."""
BYTE_LEVEL_VOCAB = 256 + 1 + len(CHAT_TOKENS)
"""256 bytes, eos, the chat markers: the byte-level tokenizer's size."""


@dataclass(frozen=True)
class CausalArchitecture:
    """The shape of a decoder-only transformer, built with random weights by name."""

    family: Family
    """``qwen2`` or ``llama``."""
    hidden_size: int
    """Width of the hidden states."""
    intermediate_size: int
    """Width of the gated feed-forward layers."""
    num_hidden_layers: int
    """Decoder layers."""
    num_attention_heads: int
    """Query heads per layer."""
    num_key_value_heads: int
    """Key/value heads per layer (grouped-query attention when fewer than the query heads)."""
    vocab_size: int = BYTE_LEVEL_VOCAB
    """Embedding rows (at least the tokenizer's size)."""
    max_position_embeddings: int = 4096
    """The longest prompt + tactic in tokens (the default input budget is 2,300 bytes)."""
    tie_word_embeddings: bool = False
    """Share the input embedding with the output projection."""

    def __post_init__(self) -> None:
        sizes = (self.hidden_size, self.intermediate_size, self.num_hidden_layers)
        if min(sizes) < 1 or min(self.num_attention_heads, self.num_key_value_heads) < 1:
            raise ConfigError(f"every size of a causal architecture must be >= 1: {self}")
        if self.num_attention_heads % self.num_key_value_heads:
            raise ConfigError(
                f"num_attention_heads must be a multiple of num_key_value_heads: {self}"
            )
        if self.vocab_size < BYTE_LEVEL_VOCAB:
            raise ConfigError(
                f"vocab_size {self.vocab_size} < {BYTE_LEVEL_VOCAB} (bytes + specials)"
            )

    def config_dict(self) -> dict[str, Any]:
        """The transformers config fields of this shape (``model_type`` included)."""
        fields = {k: v for k, v in self.__dict__.items() if k != "family"}
        eos = 256  # the byte-level tokenizer's <|endoftext|>
        return {"model_type": self.family, **fields, "eos_token_id": eos, "pad_token_id": eos}


CAUSAL_ARCHITECTURES: dict[str, CausalArchitecture] = {
    # About the tiny T5 generator's 2.2M parameters, so that the two compare on the demo.
    "tiny-qwen2": CausalArchitecture("qwen2", 192, 512, 5, 6, 2),
    "tiny-llama": CausalArchitecture("llama", 192, 512, 5, 6, 2),
    # Qwen2-0.5B's shape (BFS-Prover's family), for decoding benchmarks with random weights.
    "qwen2-0.5b": CausalArchitecture(
        "qwen2",
        896,
        4864,
        24,
        14,
        2,
        vocab_size=151936,
        max_position_embeddings=32768,
        tie_word_embeddings=True,
    ),
}
"""Causal architectures built from scratch by name."""


def byte_level_tokenizer() -> PreTrainedTokenizerBase:
    """GPT-2-style byte-level BPE with no merges: one token per UTF-8 byte (ids 0–255),
    then ``<|endoftext|>`` (256, eos and padding), ``<|im_start|>`` and ``<|im_end|>``.

    It is a real ``tokenizer.json`` tokenizer, so exports load with ``AutoTokenizer`` and
    convert with CTranslate2 like any Qwen2 or Llama tokenizer, and it needs no download.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = _byte_chars()
    tokenizer = Tokenizer(models.BPE(vocab={chars[b]: b for b in range(256)}, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([EOS_TOKEN, *CHAT_TOKENS])
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=EOS_TOKEN,
        pad_token=EOS_TOKEN,
        additional_special_tokens=list(CHAT_TOKENS),
    )


def _byte_chars() -> dict[int, str]:
    # GPT-2's reversible map from bytes to printable characters (what ByteLevel expects):
    # printable Latin-1 bytes map to themselves, the rest to 256 + n in byte order.
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    others = [b for b in range(256) if b not in printable]
    mapping = {b: chr(b) for b in printable}
    mapping.update({b: chr(256 + n) for n, b in enumerate(others)})
    return mapping


def causal_config(values: dict[str, Any], source: str = "config") -> Any:
    """Builds a transformers config for a causal model from its fields.

    Args:
        values: config fields with ``model_type`` (``qwen2``, ``llama``, ...).
        source: what the values came from, for error messages.

    Returns:
        The ``PretrainedConfig``.

    Raises:
        ConfigError: when the values are not a valid config of a known family.
    """
    from transformers import AutoConfig

    values = dict(values)
    model_type = values.pop("model_type", None)
    if not model_type:
        raise ConfigError(f"bad causal model config {source}: no model_type")
    try:
        return AutoConfig.for_model(model_type, **values)
    except Exception as error:  # ValueError (unknown type), TypeError, StrictDataclassError
        raise ConfigError(f"bad causal model config {source}: {one_line(error)}") from error


def causal_from_config(config: Any) -> PreTrainedModel:
    """A randomly initialised causal model in train mode, float32.

    Args:
        config: a transformers config (see :func:`causal_config`).

    Returns:
        The model.
    """
    from transformers import AutoModelForCausalLM

    torch_dtype = torch.get_default_dtype()
    model = AutoModelForCausalLM.from_config(config, dtype=torch_dtype)
    return model.float().train()


def build_causal(
    model_name: str, model_config: dict[str, Any] | None = None
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Builds the causal model that ``model_name`` names, and its tokenizer.

    Args:
        model_name: a named architecture, a ``save_pretrained`` directory (with its
            tokenizer files), or a hub name in the local cache.
        model_config: config fields (with ``model_type``); when given, the model is built
            from them with random weights and the byte-level tokenizer (checkpoints store
            them, so that they reload without network access).

    Returns:
        The model (train mode, float32) and its tokenizer.

    Raises:
        FileNotFoundError: when a directory or hub name cannot be loaded.
        ConfigError: when the name is unknown or the config invalid.
    """
    if model_config is not None:
        return causal_from_config(causal_config(model_config)), byte_level_tokenizer()
    if model_name in CAUSAL_ARCHITECTURES:
        values = CAUSAL_ARCHITECTURES[model_name].config_dict()
        return causal_from_config(causal_config(values, model_name)), byte_level_tokenizer()
    path = Path(model_name).expanduser()
    if path.is_dir() or "/" in model_name:
        return _from_pretrained(str(path) if path.is_dir() else model_name)
    names = ", ".join(sorted(CAUSAL_ARCHITECTURES))
    raise ConfigError(
        f"unknown causal model {model_name!r}: not one of {names}, a directory, or a hub name"
    )


def causal_tokenizer(name: str) -> PreTrainedTokenizerBase:
    """The tokenizer of a ``save_pretrained`` directory or cached hub model, alone.

    Args:
        name: the directory or hub name.

    Returns:
        The tokenizer.

    Raises:
        FileNotFoundError: when it cannot be loaded.
        ConfigError: when it has no eos token.
    """
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=True)
    except (OSError, ValueError) as error:
        raise FileNotFoundError(f"cannot load causal model {name!r}: {one_line(error)}") from error
    if tokenizer.eos_token_id is None:
        raise ConfigError(f"causal model {name!r}: its tokenizer has no eos token")
    return tokenizer


def _from_pretrained(name: str) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    from transformers import AutoModelForCausalLM

    tokenizer = causal_tokenizer(name)
    try:
        model = AutoModelForCausalLM.from_pretrained(
            name, dtype=torch.float32, local_files_only=True
        )
    except (OSError, ValueError) as error:
        raise FileNotFoundError(f"cannot load causal model {name!r}: {one_line(error)}") from error
    return model.train(), tokenizer
