"""The CTranslate2 backend: the same model, converted once, decoded by CTranslate2.

A CTranslate2 model directory holds ``model.bin``, ``config.json`` and
``shared_vocabulary.json`` (the layout of Lean Copilot's native models, e.g.
``kaiyuy/ct2-leandojo-lean4-tacgen-byt5-small``). The vocabulary is ByT5's: id ``b + 3`` is
the token ``chr(b)`` for each byte ``b``, so Lean Copilot's byte tokenizer (one token per
UTF-8 byte, then ``</s>``) feeds the model exactly what :class:`ByteTokenizer` would.

Scores follow :mod:`tacgen.generator.options`: CTranslate2's beam and sampling scores are
the model's log-probabilities (eos included); with a tactic prefix, which CTranslate2 does
not score, candidates are rescored with ``score_batch``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tacgen.core.atomic import replace_tree
from tacgen.core.errors import CheckpointError, UsageError
from tacgen.data.cache import default_cache_dir
from tacgen.data.formatting import remove_marks
from tacgen.data.provenance import file_sha256
from tacgen.generator.backends import Backend
from tacgen.generator.decoding import non_byte_tokens, rank_candidates
from tacgen.generator.options import (
    COMPUTE_TYPES,
    QUANTIZATIONS,
    Candidates,
    GenerationOptions,
    prefix_fits,
)
from tacgen.nn.checkpoint import export_pretrained
from tacgen.nn.tokenizer import ByteTokenizer

SETTINGS_FILE = "tacgen_settings.json"
"""tacgen's generation settings beside a converted model (Lean Copilot ignores it)."""

_MODEL_FILES = ("model.bin", "config.json", "shared_vocabulary.json")

_FLOAT32_TINY = 1.0e-37
"""Positive in float32: the least ``top_p`` handed to CTranslate2."""


def is_ct2_dir(path: Path) -> bool:
    """Whether ``path`` is a CTranslate2 model directory."""
    return path.is_dir() and all((path / name).is_file() for name in _MODEL_FILES)


def byt5_vocabulary(vocab_size: int) -> list[str]:
    """ByT5's tokens by id: ``<pad>``, ``</s>``, ``<unk>``, one per byte, then extra ids.

    Args:
        vocab_size: the model's vocabulary size (at least 259).

    Returns:
        The token of each id.
    """
    tokens = ["<pad>", "</s>", "<unk>"] + [chr(b) for b in range(256)]
    return tokens + [f"<extra_id_{i}>" for i in range(vocab_size - len(tokens))]


def check_compute_type(device: str, compute_type: str | None) -> str:
    """The compute type to use on ``device``: the given one, checked, or the default.

    Args:
        device: ``"cpu"`` or ``"cuda"`` (an index after a colon is ignored).
        compute_type: a CTranslate2 compute type, or None for the device's default.

    Returns:
        The compute type.

    Raises:
        UsageError: for ``float16`` (T5 overflows to NaN in fp16) or a type the device
            does not offer here.
    """
    kind = device.split(":")[0]
    allowed = COMPUTE_TYPES.get(kind)
    if allowed is None:
        raise UsageError(f"the ct2 backend runs on cpu or cuda, not {device!r}")
    if compute_type == "float16":
        raise UsageError(
            "compute type float16 is refused for T5: its activations overflow float16 and "
            "give NaN scores; use " + " or ".join(COMPUTE_TYPES["cuda"][:2]) + " on CUDA"
        )
    if compute_type is None:
        return allowed[0]
    if compute_type not in allowed:
        raise UsageError(f"compute type {compute_type!r} on {kind}: choose one of {allowed}")
    return compute_type


def _untied_converter(source: Path) -> Any:
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):  # type: ignore[misc]
        def load_model(self, model_class: Any, path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, path, **kwargs)
            # transformers 5 reports every T5 as tied; CTranslate2 then rescales the
            # decoder output by d_model ** -0.5, which only a tied head needs.
            tied = model.lm_head.weight.data_ptr() == model.shared.weight.data_ptr()
            model.config.tie_word_embeddings = tied
            return model

    return Converter(str(source))


def convert_to_ct2(
    model: Any,
    out_dir: str | os.PathLike[str],
    quantization: str | None = None,
    settings: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Writes a CTranslate2 model directory from a seq2seq model, atomically.

    Args:
        model: a ``T5ForConditionalGeneration``.
        out_dir: the directory to create.
        quantization: weight type (:data:`QUANTIZATIONS`); float32 weights when None.
        settings: generation settings stored in :data:`SETTINGS_FILE`.
        overwrite: replace an existing directory.

    Returns:
        The directory.
    """
    if quantization is not None and quantization not in QUANTIZATIONS:
        raise UsageError(f"quantization must be one of {QUANTIZATIONS}, got {quantization!r}")
    target = Path(out_dir)
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(f"export directory exists and is not empty: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        hf_dir = export_pretrained(model, work / "hf")
        staged = work / "ct2"
        _untied_converter(hf_dir).convert(str(staged), quantization=quantization, force=True)
        vocabulary = json.loads((staged / "shared_vocabulary.json").read_text(encoding="utf-8"))
        if vocabulary != byt5_vocabulary(model.config.vocab_size):
            raise CheckpointError(f"the converted vocabulary is not ByT5's ({len(vocabulary)})")
        (staged / SETTINGS_FILE).write_text(json.dumps(settings or {}), encoding="utf-8")
        replace_tree(staged, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def source_digest(path: Path, cache_dir: Path | None = None) -> str:
    """SHA-256 of a checkpoint file, or of a model directory's files (names and bytes).

    Args:
        path: a ``.ckpt`` or a transformers directory.
        cache_dir: where a file's hash is remembered while the file is unchanged.

    Returns:
        The hex digest: what a converted model is cached under.
    """
    if path.is_file():  # a multi-GB checkpoint is hashed once, not at every start
        return file_sha256(path, cache_dir)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())  # the layout matters too
        with open(file, "rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
    return digest.hexdigest()


def cached_ct2_dir(path: Path, cache_dir: str | Path | None = None) -> Path:
    """The CTranslate2 directory of a checkpoint or transformers directory, converted on
    first use and cached by content hash (a changed checkpoint converts again).

    Args:
        path: a ``.ckpt`` written by ``tacgen fit`` or a transformers directory.
        cache_dir: the cache folder; :func:`tacgen.data.cache.default_cache_dir` when None.

    Returns:
        The converted directory (float32 weights, quantised when loaded).
    """
    from tacgen.generator.inference import read_generator_source

    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    entry = base / "ct2" / source_digest(path, base)[:40]
    if not is_ct2_dir(entry):
        model, settings = read_generator_source(path)
        convert_to_ct2(model, entry, None, settings, overwrite=True)
    return entry


def model_options(
    model_dir: str | os.PathLike[str], device: str, compute_type: str
) -> dict[str, Any]:
    """The keyword arguments of a CTranslate2 ``Translator`` or ``Generator``.

    Args:
        model_dir: the converted model.
        device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        compute_type: a checked compute type.

    Returns:
        ``model_path``, ``device``, ``device_index``, ``compute_type``, ``intra_threads``.
    """
    kind, _, index = device.partition(":")
    return {
        "model_path": str(model_dir),
        "device": kind,
        "device_index": int(index or 0),
        "compute_type": compute_type,
        # CTranslate2's default is 4 threads whatever the machine has.
        "intra_threads": min(os.cpu_count() or 1, 16),
    }


class CT2Backend(Backend):
    """Beam search and sampling with a CTranslate2 ``Translator``."""

    name = "ct2"

    def __init__(
        self,
        model_dir: str | os.PathLike[str],
        device: str = "cpu",
        compute_type: str | None = None,
        max_input_length: int = 2300,
        max_output_length: int = 512,
        length_penalty: float = 0.0,
        chunk_size: int = 16,
    ) -> None:
        """Loads a CTranslate2 model directory.

        Args:
            model_dir: a directory with ``model.bin``, ``config.json`` and
                ``shared_vocabulary.json`` (:func:`convert_to_ct2`).
            device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
            compute_type: see :func:`check_compute_type`; the device's default when None.
            max_input_length: inputs are truncated to this many bytes (eos included), the
                same rule as the torch backend (CTranslate2's own 1024 cut is off).
            max_output_length: the most tokens per tactic, eos included.
            length_penalty: scores are ``log p / length ** length_penalty``.
            chunk_size: inputs decoded together; a larger batch (the server's) is sorted
                by length and decoded in chunks of this size (16 measured best on CPU).
        """
        import ctranslate2

        if max_input_length < 1 or max_output_length < 1:
            raise UsageError("max_input_length and max_output_length must be >= 1")
        self.compute_type = check_compute_type(device, compute_type)
        self._device = device
        self._translator_options = model_options(model_dir, device, self.compute_type)
        self.translator = ctranslate2.Translator(**self._translator_options)
        vocabulary_file = Path(model_dir) / "shared_vocabulary.json"
        self.vocabulary: list[str] = json.loads(vocabulary_file.read_text(encoding="utf-8"))
        self._ids = {token: i for i, token in enumerate(self.vocabulary)}
        self.tokenizer = ByteTokenizer()
        self.max_input_length = max_input_length
        self.max_output_length = max_output_length
        self.length_penalty = length_penalty
        self.chunk_size = chunk_size

    @property
    def device(self) -> str:
        """Where the model runs."""
        return self._device

    def tokens(self, text: str, max_length: int | None) -> list[str]:
        """The ByT5 tokens of a text (with ``</s>`` when ``max_length`` is not None)."""
        ids = self.tokenizer.encode(text, max_length)
        return [self.vocabulary[i] for i in (ids if max_length is not None else ids[:-1])]

    def decode(
        self, inputs: Sequence[str], num_samples: int, options: GenerationOptions
    ) -> list[Candidates]:
        """See :meth:`Backend.decode`: beam search or sampling with CTranslate2."""
        if not inputs:
            return []
        sources = [self.tokens(text, self.max_input_length) for text in inputs]
        if not prefix_fits(options.prefix, self.max_output_length):
            return [[] for _ in inputs]  # no tactic within the budget starts with it
        prefix = self.tokens(options.prefix, None) if options.prefix else []
        results = self._translator(options).translate_batch(
            sources,
            target_prefix=[prefix] * len(sources) if prefix else None,
            max_input_length=0,
            # CTranslate2 sorts a larger batch by length and decodes it in chunks: less
            # padding, as generate_by_length does for the torch backend.
            max_batch_size=self.chunk_size,
            **self._search_options(num_samples, options),
        )
        out = []
        for source, result in zip(sources, results):
            hypotheses, scores = result.hypotheses, list(result.scores)
            if prefix or options.mode == "sample":  # scores of the suppressed distribution
                scores = self._rescore([source] * len(hypotheses), hypotheses)
            texts = [remove_marks(self._text(tokens)) for tokens in hypotheses]
            out.append(rank_candidates(texts, scores))
        return out

    def _search_options(self, num_samples: int, options: GenerationOptions) -> dict[str, Any]:
        common: dict[str, Any] = {
            "num_hypotheses": num_samples,
            "max_decoding_length": self.max_output_length,
            # CTranslate2 forbids eos at the first step by default, renormalising the first
            # token's distribution; torch does not, and scores must agree.
            "min_decoding_length": 0,
            "return_scores": True,
            "return_end_token": True,
        }
        if options.mode == "beam":
            return {**common, "beam_size": num_samples, "length_penalty": self.length_penalty}
        banned = non_byte_tokens(len(self.vocabulary))
        if options.top_k == 1:  # CTranslate2 takes it for greedy search: one hypothesis,
            common["num_hypotheses"] = 1  # what every sample would be (merged in torch)
        return {
            **common,
            "beam_size": 1,
            "suppress_sequences": [[self.vocabulary[i]] for i in banned],
            "length_penalty": 0.0,  # CTranslate2's default 1 would average the log-probs
            # CTranslate2 refuses a top_k over the vocabulary (torch takes it as no limit),
            # and a top_p that float32 rounds to 0 (both keep the best token alone).
            "sampling_topk": options.top_k if options.top_k < len(self.vocabulary) else 0,
            "sampling_topp": max(options.top_p, _FLOAT32_TINY),
            "sampling_temperature": options.temperature,
        }

    def _translator(self, options: GenerationOptions) -> Any:
        """The translator for a call: a fresh one for seeded sampling.

        CTranslate2 seeds each worker thread's generator once, when the thread first
        samples, so the same seed gives the same samples only from new threads. A translator
        over an already loaded model file takes about a millisecond for the demo model
        (reading byt5-small's weights again is the cost for larger ones).
        """
        if options.mode != "sample" or options.seed is None:
            return self.translator
        import ctranslate2

        ctranslate2.set_random_seed(options.seed)
        return ctranslate2.Translator(**self._translator_options, inter_threads=1)

    def score(self, inputs: Sequence[str], tactics: Sequence[Sequence[str]]) -> list[list[float]]:
        """See :meth:`Backend.score`: CTranslate2's ``score_batch``, one call for every
        (input, tactic) pair, without its 1024-token input cut."""
        sources = [self.tokens(text, self.max_input_length) for text in inputs]
        pairs = [(i, [*self.tokens(t, None), "</s>"]) for i, ts in enumerate(tactics) for t in ts]
        flat = self._rescore([sources[i] for i, _ in pairs], [target for _, target in pairs])
        results: list[list[float]] = [[] for _ in inputs]
        for (i, _), value in zip(pairs, flat):
            results[i].append(value)
        return results

    def _rescore(self, sources: list[list[str]], hypotheses: list[list[str]]) -> list[float]:
        """Teacher-forced scores of whole hypotheses (prefix included), length-normalised;
        a hypothesis that ends with ``</s>`` has it scored, one cut short does not."""
        if not hypotheses:
            return []
        finished = [bool(h) and h[-1] == "</s>" for h in hypotheses]
        targets = [h[:-1] if done else h for h, done in zip(hypotheses, finished)]
        scored = self.translator.score_batch(
            sources, targets, max_input_length=0, max_batch_size=self.chunk_size
        )
        scores = []
        for result, done in zip(scored, finished):
            log_probs = list(result.log_probs)  # CTranslate2 appends and scores </s>
            kept = log_probs if done else log_probs[:-1]
            total = float(sum(kept))
            scores.append(
                total / len(kept) ** self.length_penalty if self.length_penalty else total
            )
        return scores

    def _text(self, tokens: Sequence[str]) -> str:
        ids = [self._ids.get(token, 2) for token in tokens]  # 2: <unk>
        return self.tokenizer.decode(ids)
