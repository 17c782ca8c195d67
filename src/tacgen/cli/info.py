"""``tacgen info --ckpt PATH``: what a checkpoint or model directory is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tacgen.cli import CommandParser
from tacgen.cli.common import add_ckpt_argument

_SHAPE = ("d_model", "d_ff", "d_kv", "num_heads", "num_layers", "num_decoder_layers", "vocab_size")
_CAUSAL_SHAPE = (
    "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "vocab_size",
)  # fmt: skip


def _shape(config: dict[str, Any]) -> str:
    """The family and sizes of a model config (T5, or a causal family such as qwen2)."""
    family = config.get("model_type") or "t5"
    keys = _SHAPE if family in ("t5", "mt5", "umt5") else _CAUSAL_SHAPE
    name = "T5" if family == "t5" else family
    return f"{name} " + ", ".join(f"{k} {config[k]}" for k in keys if k in config)


def _checkpoint_lines(path: Path) -> list[str]:
    import torch

    from tacgen.data.provenance import KEY
    from tacgen.nn.checkpoint import check_checkpoint_file, checkpoint_kind

    check_checkpoint_file(path)
    ckpt = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    found = checkpoint_kind(ckpt)
    if found is None:
        from tacgen.core.errors import CheckpointError

        raise CheckpointError(
            f"not a tacgen checkpoint (no t5_config, t5_encoder_config or causal_config): {path}"
        )
    kind, config_key = found
    config = ckpt[config_key]
    params = sum(t.numel() for k, t in ckpt["state_dict"].items() if "topk" not in k)
    lines = [
        f"{path}: a tacgen {kind} checkpoint (Lightning)",
        f"architecture: {_shape(config)}; {params / 1e6:.1f}M parameters",
        f"trained: {ckpt.get('global_step', '?')} optimizer steps, epoch {ckpt.get('epoch', '?')}",
    ]
    hparams = ckpt.get("hyper_parameters", {})
    shown = ("model_name", "lr", "max_input_length", "max_output_length", "num_beams", "lora_r")
    lines.append("settings: " + ", ".join(f"{k} {hparams[k]}" for k in shown if k in hparams))
    template = ckpt.get("prompt_template")
    if isinstance(template, dict):
        lines.append(f"prompt template: {template.get('name')} {template.get('prompt')!r}")
    if hparams.get("lora_r"):
        lines.append("weights: the LoRA adapter only (the base model is read from model_name)")
    record = ckpt.get(KEY)
    if not record:
        lines.append("training data: not recorded (a checkpoint from before provenance)")
        return lines
    lines.append(f"tacgen version: {record.get('tacgen_version')}")
    lines.append(f"training data: {record.get('data_path')}")
    for split, info in record.get("splits", {}).items():
        lines.append(f"  {split}: {info['file']} (sha256 {info['sha256'][:16]}...)")
    lines.append(f"  training theorems: {len(record.get('train_theorems', []))}")
    for key in ("format", "preds_path", "corpus_path"):
        if record.get(key) is not None:
            lines.append(f"  {key}: {record[key]}")
    return lines


def _directory_lines(path: Path) -> list[str]:
    from tacgen.generator.ct2 import SETTINGS_FILE, is_ct2_dir

    if is_ct2_dir(path):
        vocabulary = json.loads((path / "shared_vocabulary.json").read_text(encoding="utf-8"))
        settings = path / SETTINGS_FILE
        lines = [f"{path}: a CTranslate2 model directory ({len(vocabulary)} tokens)"]
        if settings.is_file():
            lines.append(f"settings: {settings.read_text(encoding='utf-8')}")
        return lines
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"not a model directory (no config.json): {path}")
    config = json.loads(config_file.read_text(encoding="utf-8"))
    weights = [n for n in ("model.safetensors", "pytorch_model.bin") if (path / n).is_file()]
    tokenizer = path / "tokenizer_config.json"
    byt5 = tokenizer.is_file() and "ByT5" in tokenizer.read_text(encoding="utf-8")
    byt5 = byt5 or config.get("tokenizer_class") == "ByT5Tokenizer"
    reprover = config.get("model_type") == "t5" and bool(weights) and byt5
    return [
        f"{path}: a transformers directory ({', '.join(config.get('architectures', ['?']))})",
        f"architecture: {_shape(config)}",
        *_template_lines(path),
        f"weights: {', '.join(weights) or 'none found'}; ByT5 tokenizer: {'yes' if byt5 else 'no'}",
        f"ReProver's generator layout: {'yes' if reprover else 'no'}",
    ]


def _template_lines(path: Path) -> list[str]:
    """The prompt template an exported causal model saved (none for other directories)."""
    file = path / "tacgen_causal.json"
    if not file.is_file():
        return []
    template = json.loads(file.read_text(encoding="utf-8")).get("template") or {}
    return [f"prompt template: {template.get('name')} {template.get('prompt')!r}"]


def info(name: str, argv: list[str]) -> int:
    """``tacgen info``: the architecture, training data and steps of a checkpoint."""
    p = CommandParser(
        prog="tacgen info",
        description="What a checkpoint is: architecture and parameters, training data (with "
        "file hashes) and steps, tacgen's version; for a directory, whether it has the layout "
        "of ReProver's published generator.",
    )
    add_ckpt_argument(p, "a .ckpt, a transformers directory or a CTranslate2 directory")
    args = p.parse_args(argv)
    path = Path(args.ckpt).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"checkpoint does not exist: {path}")
    print("\n".join(_directory_lines(path) if path.is_dir() else _checkpoint_lines(path)))
    return 0
