"""Inference without a Trainer: ``load_generator`` and the generator object it returns.

``load_generator(path)`` reads a Lightning ``.ckpt`` written by ``tacgen fit``, a directory
written by ``tacgen export``, or a ReProver-layout transformers directory, and returns an
:class:`InferenceGenerator`: a decoding :class:`~tacgen.generator.backends.Backend` behind
an :class:`~tacgen.generator.inputs.InputBuilder` (retrieval, when a retriever is given).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.core.records import Query, check_encodable
from tacgen.generator.backends import Backend, TorchBackend
from tacgen.generator.inputs import InputBuilder
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import (
    BACKENDS,
    DEFAULT_OPTIONS,
    Candidates,
    GenerationOptions,
    check_num_samples,
    filter_candidates,
)
from tacgen.generator.templates import PromptTemplate
from tacgen.nn.architectures import build_model, model_from_config, t5_config
from tacgen.nn.checkpoint import read_checkpoint
from tacgen.nn.device import resolve_device
from tacgen.nn.module import BackboneSpec
from tacgen.retrieval.interface import Retriever

GENERATOR_SPEC = BackboneSpec(
    "seq2seq", attribute="model", config_key="t5_config", noun="generator"
)
"""The training module's backbone; checkpoints keep its T5 config under ``t5_config``, so
that they reload without network access."""

LOAD_SETTINGS = {
    "max_input_length": 2300,
    "max_output_length": 512,
    "length_penalty": 0.0,
    "num_retrieved": 100,
    "keep_marks": True,
    "retriever_ckpt": None,
    "retriever_corpus": None,
    "retriever_index": None,
    "retriever_exact": False,
}
"""What ``load_generator`` takes as options, with the defaults of a transformers directory
(a checkpoint's own hyperparameters replace them)."""


class InferenceGenerator(TacticGenerator):
    """A loaded model ready to suggest tactics: inputs built, then decoded by a backend."""

    def __init__(
        self, backend: Backend, inputs: InputBuilder, template: PromptTemplate | None = None
    ) -> None:
        """Puts a backend behind the generator interface.

        Args:
            backend: decodes input texts (e.g. :class:`TorchBackend`).
            inputs: builds input texts from queries (retrieval, budget, marks).
            template: a causal model's prompt template: each input (premises, then the
                state) is rendered with the query's ``full_name`` and ``proof_before``
                before it reaches the backend; None passes inputs as they are (seq2seq).
        """
        self.backend = backend
        self.inputs = inputs
        self.template = template

    def model_inputs(self, queries: Sequence[Query]) -> list[str]:
        """What the backend receives for each query: the built input (retrieved premises,
        then the state), rendered by :attr:`template` when there is one.

        Args:
            queries: the queries.

        Returns:
            One text per query.
        """
        built = self.inputs.build(queries)
        if self.template is None:
            return built
        render = self.template.render
        return [render(text, q.full_name, q.proof_before) for text, q in zip(built, queries)]

    @property
    def retriever(self) -> Retriever | None:
        """The attached premise retriever, if any."""
        return self.inputs.retriever

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        """See :meth:`TacticGenerator.generate_queries`: inputs built (retrieval), decoded
        by the backend, then filtered."""
        check_num_samples(num_samples)
        options = options or DEFAULT_OPTIONS
        if not queries:
            return []
        check_states(queries)
        ranked = self.backend.decode(self.model_inputs(queries), num_samples, options)
        return [filter_candidates(c, q, options) for c, q in zip(ranked, queries)]

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """See :meth:`TacticGenerator.score_queries`: inputs built as for generation
        (retrieval included), then scored by the backend."""
        if len(queries) != len(tactics):
            raise UsageError(f"{len(queries)} queries but {len(tactics)} lists of tactics")
        if not queries:
            return []
        check_states(queries)
        for texts in tactics:
            for tactic in texts:
                if not isinstance(tactic, str):
                    raise UsageError(f"tactics must be strings, got {type(tactic).__name__}")
                check_encodable(tactic, "tactic")
        return self.backend.score(self.model_inputs(queries), [list(t) for t in tactics])

    def token_counts(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[int]]:
        """How many tokens each tactic's score sums over (``--score mean-token`` divides by
        it): the backend's count when it has one (a causal model's tokenizer and template),
        else the byte count and eos (ByT5).

        Args:
            queries: the queries the tactics were generated or scored for.
            tactics: for each query, its tactics.

        Returns:
            For each query, the token count of each of its tactics, in order.
        """
        counts = getattr(self.backend, "token_counts", None)
        if callable(counts):
            return counts(tactics)  # type: ignore[no-any-return]
        return [[len(t.encode("utf-8")) + 1 for t in row] for row in tactics]


def check_states(queries: Sequence[Query]) -> None:
    """Refuses a query whose state is empty, on every backend: there is nothing to suggest a
    tactic for (CTranslate2 would answer one empty tactic of probability 1, torch noise).

    Args:
        queries: the queries of one call.

    Raises:
        UsageError: naming the first empty state.
    """
    for i, query in enumerate(queries):
        if not query.state:
            raise UsageError(f"the state of query {i} is empty: give a proof state")


def read_generator_source(path: Path) -> tuple[Any, dict[str, Any]]:
    """The seq2seq model of a checkpoint or directory, and the settings stored with it.

    Args:
        path: a ``.ckpt`` written by ``tacgen fit`` or a transformers directory.

    Returns:
        ``(model in train mode on the CPU, settings)``: the checkpoint's
        ``load_generator`` options (none for a directory).
    """
    if path.is_dir():
        return build_model(str(path), "seq2seq"), {}
    if not path.exists():
        raise FileNotFoundError(f"generator checkpoint does not exist: {path}")
    hparams, state_dict = read_checkpoint(
        path, GENERATOR_SPEC.config_key, None, {}, "RetrievalAugmentedGenerator"
    )
    model = model_from_config(t5_config(hparams["model_config"], str(path)))
    prefix = "model."
    model.load_state_dict(
        {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    )
    if hparams.get("eval_num_retrieved") is not None:  # the deprecated name
        hparams["num_retrieved"] = hparams["eval_num_retrieved"]
    return model, {k: v for k, v in hparams.items() if k in LOAD_SETTINGS}


def load_generator(
    path: str | os.PathLike[str],
    device: str = "auto",
    retriever: Retriever | None = None,
    backend: str = "torch",
    compute_type: str | None = None,
    template: str | PromptTemplate | None = None,
    force_template: bool = False,
    **options: Any,
) -> InferenceGenerator:
    """Loads a tactic generator for inference.

    Args:
        path: a Lightning ``.ckpt`` written by ``tacgen fit``, a directory written by
            ``tacgen export`` (``--format hf`` or ``ct2``), a ByT5
            ``T5ForConditionalGeneration`` directory laid out like ReProver's generator, or
            a causal model's checkpoint or transformers directory (see
            :mod:`tacgen.generator.causal_loading`).
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda:1"``, ...
        retriever: a premise retriever to use (overrides ``retriever_ckpt``).
        backend: ``"torch"`` (transformers) or ``"ct2"`` (CTranslate2; anything but a
            CTranslate2 directory is converted once and cached by content hash).
        compute_type: the ct2 backend's compute type (``int8`` by default on CPU,
            ``int8_float16`` on CUDA; ``float16`` is refused for T5).
        template: a causal model's prompt template (a name or a format string): the one
            saved with the model is used when None; another one is refused unless
            ``force_template`` (a published model's directory saves none: give it).
        force_template: query a causal model with another template than its own.
        **options: ``max_input_length``, ``max_output_length``, ``length_penalty``,
            ``num_retrieved``, ``keep_marks``, and ``retriever_ckpt`` /
            ``retriever_corpus`` / ``retriever_index`` / ``retriever_exact`` to load a
            dense retriever (see :func:`tacgen.retrieval.loading.load_retriever`); a
            checkpoint's own settings are the defaults.

    Returns:
        The generator, in eval mode, on ``device``.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        CheckpointError: when it is not a generator checkpoint or model directory.
        UsageError: for an unknown option.
    """
    unknown = sorted(set(options) - set(LOAD_SETTINGS))
    if unknown:
        known = sorted(LOAD_SETTINGS)
        raise UsageError(f"unknown load_generator options {unknown}; known: {known}")
    if backend not in BACKENDS:
        raise UsageError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if compute_type is not None and backend != "ct2":
        raise UsageError("compute_type is an option of the ct2 backend")
    target = resolve_device(device)
    source = Path(path).expanduser()
    from tacgen.generator.causal_io import is_causal_source

    if is_causal_source(source):
        from tacgen.generator.causal_loading import load_causal_generator

        return load_causal_generator(
            source, target, retriever, backend, compute_type, template, force_template, options
        )
    if template is not None:
        raise UsageError(f"{source} is a seq2seq generator: it takes no prompt template")
    if backend == "ct2":
        model_dir, stored = _ct2_source(source)
    else:
        model, stored = read_generator_source(source)
    settings = {**LOAD_SETTINGS, **stored, **{k: v for k, v in options.items() if v is not None}}
    lengths = [settings[k] for k in ("max_input_length", "max_output_length", "length_penalty")]
    decoder: Backend
    if backend == "ct2":
        from tacgen.generator.ct2 import CT2Backend

        decoder = CT2Backend(model_dir, target, compute_type, *lengths)
    else:
        decoder = TorchBackend(model.to(target).eval().requires_grad_(False), *lengths)
    return InferenceGenerator(decoder, build_inputs(settings, retriever, target))


def build_inputs(
    settings: dict[str, Any], retriever: Retriever | None, device: str
) -> InputBuilder:
    """The input builder of loaded settings, with ``retriever`` or else the one that
    ``retriever_ckpt`` names (loaded on ``device``).

    Args:
        settings: ``max_input_length``, ``keep_marks``, ``num_retrieved`` and the
            ``retriever_*`` settings.
        retriever: a retriever given by the caller (it takes precedence).
        device: where a loaded retriever runs.

    Returns:
        The builder.
    """
    if retriever is None and settings["retriever_ckpt"]:
        from tacgen.retrieval.loading import load_retriever

        retriever = load_retriever(
            settings["retriever_ckpt"],
            settings["retriever_corpus"],
            settings["retriever_index"],
            device=device,
            progress=True,
            exact=bool(settings["retriever_exact"]),
        )
    return InputBuilder(
        settings["max_input_length"], settings["keep_marks"], settings["num_retrieved"], retriever
    )


def _ct2_source(source: Path) -> tuple[Path, dict[str, Any]]:
    """A CTranslate2 directory for ``source`` (converted and cached unless it is one) and
    the settings stored beside it."""
    from tacgen.generator.ct2 import SETTINGS_FILE, cached_ct2_dir, is_ct2_dir

    if not source.exists():
        raise FileNotFoundError(f"generator checkpoint does not exist: {source}")
    model_dir = source if is_ct2_dir(source) else cached_ct2_dir(source)
    stored_file = model_dir / SETTINGS_FILE
    stored = json.loads(stored_file.read_text(encoding="utf-8")) if stored_file.is_file() else {}
    return model_dir, {k: v for k, v in stored.items() if k in LOAD_SETTINGS}
