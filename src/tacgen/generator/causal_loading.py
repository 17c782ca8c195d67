"""``load_generator`` for causal models: a checkpoint or transformers directory, its saved
template, and a torch or CTranslate2 backend behind an
:class:`~tacgen.generator.inference.InferenceGenerator`."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.generator.backends import Backend
from tacgen.generator.causal_io import check_template, export_causal, read_export_file
from tacgen.generator.inference import LOAD_SETTINGS, InferenceGenerator, build_inputs
from tacgen.generator.templates import PromptTemplate, resolve_template
from tacgen.retrieval.interface import Retriever

SETTINGS: dict[str, Any] = {k: v for k, v in LOAD_SETTINGS.items() if k != "length_penalty"}
"""``load_generator``'s options for a causal model, with the defaults of a directory
without :data:`~tacgen.generator.causal_io.EXPORT_FILE` (a published model)."""


@dataclass(frozen=True)
class CausalSource:
    """A loaded causal model with what was saved beside it."""

    model: Any
    """The transformers (or peft) model, on the CPU."""
    tokenizer: Any
    """Its tokenizer."""
    template: PromptTemplate
    """The template to query it with."""
    settings: dict[str, Any]
    """Stored ``load_generator`` settings."""


def read_causal_source(
    path: Path, template: str | PromptTemplate | None, force_template: bool, weights: bool = True
) -> CausalSource:
    """The model, tokenizer, template and settings of a causal checkpoint or directory.

    Args:
        path: a ``.ckpt`` of :class:`~tacgen.generator.causal_module.CausalGenerator`, a
            directory it exported, or a published model's directory.
        template: the template asked for: it must be the saved one unless
            ``force_template``; needed for a directory that saved none.
        force_template: use ``template`` even when the model was trained with another.
        weights: load a directory's model; False reads its tokenizer only (``model`` is
            None: another runtime loads the weights).

    Returns:
        The source.

    Raises:
        ConfigError: for another template than the saved one.
        UsageError: for a directory with no saved template and none given.
    """
    if path.is_file():
        from tacgen.generator.causal_module import CausalGenerator

        asked = {} if template is None else {"template": _spec(resolve_template(template))}
        module = CausalGenerator.load(path, "cpu", force_template=force_template, **asked)
        return CausalSource(module.model, module.tokenizer, module.template, module.settings())
    from tacgen.nn.causal import build_causal, causal_tokenizer

    info = read_export_file(path)
    stored = PromptTemplate.from_dict(info["template"]) if "template" in info else None
    if stored is None and template is None:
        raise UsageError(
            f"{path} saves no prompt template: give one (--template or template=: bfs, "
            "internlm-step, reprover-causal, or a format string with {state})"
        )
    chosen = resolve_template(template) if template is not None else stored
    assert chosen is not None
    if stored is not None:
        check_template(stored, chosen, force_template, str(path))
    if weights:
        model, tokenizer = build_causal(str(path))
    else:
        model, tokenizer = None, causal_tokenizer(str(path))
    settings = info.get("settings", {})
    return CausalSource(model, tokenizer, chosen, settings if isinstance(settings, dict) else {})


def _spec(template: PromptTemplate) -> str:
    from tacgen.generator.templates import TEMPLATES

    return template.name if TEMPLATES.get(template.name) == template else template.prompt


def load_causal_generator(
    path: Path,
    target: str,
    retriever: Retriever | None,
    backend: str,
    compute_type: str | None,
    template: str | PromptTemplate | None,
    force_template: bool,
    options: dict[str, Any],
) -> InferenceGenerator:
    """See :func:`~tacgen.generator.inference.load_generator` (``path`` is causal).

    Raises:
        UsageError: for an option of seq2seq models only (``length_penalty``).
    """
    unknown = sorted(k for k, v in options.items() if k not in SETTINGS and v is not None)
    if unknown:
        raise UsageError(f"{unknown} are not options of a causal generator: {sorted(SETTINGS)}")
    source = read_causal_source(path, template, force_template, weights=backend != "ct2")
    stored = {k: v for k, v in source.settings.items() if k in SETTINGS}
    settings = {**SETTINGS, **stored, **{k: v for k, v in options.items() if v is not None}}
    lengths = (settings["max_input_length"], settings["max_output_length"])
    decoder: Backend
    if backend == "ct2":
        decoder = _ct2_backend(path, source, target, compute_type, settings)
    else:
        from tacgen.generator.causal_backend import CausalTorchBackend

        model = source.model.to(target).eval().requires_grad_(False)
        decoder = CausalTorchBackend(model, source.tokenizer, source.template, *lengths)
    return InferenceGenerator(decoder, build_inputs(settings, retriever, target), source.template)


def _ct2_backend(
    path: Path,
    source: CausalSource,
    target: str,
    compute_type: str | None,
    settings: dict[str, Any],
) -> Backend:
    """CTranslate2's ``Generator`` on the converted model (a checkpoint is exported to a
    temporary transformers directory first; conversions are cached by content)."""
    try:
        from tacgen.generator.ct2_causal import (
            CT2CausalBackend,
            cached_causal_ct2_dir,
            is_causal_ct2_dir,
        )
    except ImportError as error:
        raise UsageError(
            f"the ct2 backend for causal models is unavailable here ({error}); use the torch one"
        ) from None
    if path.is_dir():
        ct2_dir = path if is_causal_ct2_dir(path) else cached_causal_ct2_dir(path)
    else:
        with tempfile.TemporaryDirectory() as folder:
            exported = export_causal(
                source.model, source.tokenizer, source.template, settings, Path(folder) / "hf"
            )
            ct2_dir = cached_causal_ct2_dir(exported)
    return CT2CausalBackend(  # type: ignore[no-any-return]
        ct2_dir,
        source.tokenizer,
        source.template,
        device=target,
        compute_type=compute_type,
        max_input_length=settings["max_input_length"],
        max_output_length=settings["max_output_length"],
    )
