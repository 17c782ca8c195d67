"""CTranslate2 for causal (decoder-only) step provers: conversion, cache and backend.

A causal CTranslate2 directory holds ``model.bin``, ``config.json`` and ``vocabulary.json``
(CTranslate2's Qwen2 and Llama converters), and beside them the model's tokenizer files and
tacgen's own ``tacgen_*.json`` files (settings, prompt template), copied from the
transformers directory it was converted from, so that it loads on its own.

The backend takes rendered prompts (the template already applied). One score, as for the
torch backend: the sum of the log-probabilities of the continuation's tokens, the prompt
excluded. For a tactic, the continuation is the tokens of ``template.target(tactic)``, then
the tokenizer's eos when ``template.end`` is empty; for a decoded candidate, it is the
tokens generated, with the end token that stopped them (none for one cut at
``max_output_length``).

* Beam search asks CTranslate2 for ``length_penalty=0`` (its default divides by length).
* Sampling: CTranslate2's sampling scores are not the model's log-probabilities at
  temperature 1 (they come from the distribution it sampled from, before top-k/top-p and
  the temperature reshape it), so every sampled candidate is rescored through
  ``score_batch``. tacgen reports the model's own log-probability at temperature 1, the
  number a teacher-forced :meth:`CT2CausalBackend.score` gives, whatever the temperature.
* A tactic prefix (:attr:`GenerationOptions.prefix`) is appended to the prompt's tokens
  and the candidates rescored, so that the score covers the prefix too.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tacgen.core.atomic import replace_tree
from tacgen.core.errors import CheckpointError, ConfigError, UsageError, one_line
from tacgen.data.cache import default_cache_dir
from tacgen.generator.backends import Backend
from tacgen.generator.causal_tokens import (
    completion_tactic,
    continuation_ids,
    multi_token_stops,
    prompt_ids,
    stop_token_ids,
)
from tacgen.generator.ct2 import check_compute_type, model_options, source_digest
from tacgen.generator.decoding import rank_candidates
from tacgen.generator.options import QUANTIZATIONS, Candidates, GenerationOptions
from tacgen.generator.templates import PromptTemplate

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

VOCABULARY_FILE = "vocabulary.json"
"""The token of each id, as CTranslate2's decoder-only converters write it."""

_MODEL_FILES = ("model.bin", "config.json", VOCABULARY_FILE)
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "generation_config.json",
)
_FLOAT32_TINY = 1.0e-37
"""Positive in float32: the least ``top_p`` handed to CTranslate2."""


def is_causal_ct2_dir(path: Path) -> bool:
    """Whether ``path`` is a decoder-only CTranslate2 model directory."""
    return path.is_dir() and all((path / name).is_file() for name in _MODEL_FILES)


def is_causal_hf_dir(path: Path) -> bool:
    """Whether ``path`` is a transformers directory of a causal language model (its
    ``config.json`` names a ``...ForCausalLM`` architecture)."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    names = config.get("architectures") or [] if isinstance(config, dict) else []
    return any(str(name).endswith("ForCausalLM") for name in names)


def convert_causal_to_ct2(
    hf_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    quantization: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Writes a CTranslate2 ``Generator`` directory from a causal transformers directory,
    atomically (CTranslate2's Qwen2 and Llama converters, among others).

    Args:
        hf_dir: a ``save_pretrained`` directory with the model and its tokenizer.
        out_dir: the directory to create.
        quantization: weight type (:data:`QUANTIZATIONS`); float32 weights when None.
        overwrite: replace an existing directory.

    Returns:
        The directory: the model, ``vocabulary.json``, the tokenizer files and the source's
        ``tacgen_*.json`` files.

    Raises:
        UsageError: for an unknown quantization.
        FileExistsError: when ``out_dir`` is not empty and ``overwrite`` is off.
        ConfigError: when CTranslate2 cannot convert the model.
        CheckpointError: when the converted vocabulary is not the tokenizer's.
    """
    from ctranslate2.converters import TransformersConverter

    if quantization is not None and quantization not in QUANTIZATIONS:
        raise UsageError(f"quantization must be one of {QUANTIZATIONS}, got {quantization!r}")
    source, target = Path(hf_dir), Path(out_dir)
    if not is_causal_hf_dir(source):
        raise ConfigError(f"{source} is not a transformers directory of a causal model")
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(f"export directory exists and is not empty: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        staged = work / "ct2"
        extra = [p.name for p in sorted(source.glob("tacgen_*.json"))]
        copied = [name for name in _TOKENIZER_FILES if (source / name).is_file()] + extra
        try:
            converter = TransformersConverter(str(source), copy_files=copied)
            converter.convert(str(staged), quantization=quantization, force=True)
        except (ValueError, NotImplementedError, KeyError) as error:
            raise ConfigError(
                f"cannot convert {source} to CTranslate2: {one_line(error)}"
            ) from error
        _fill_special_tokens(staged / "config.json")
        _check_vocabulary(staged, load_causal_tokenizer(source))
        replace_tree(staged, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _fill_special_tokens(config_file: Path) -> None:
    # The Llama converter copies the tokenizer's bos, which a tokenizer may lack (tacgen's
    # byte-level one has none): CTranslate2 then refuses the null. Prompts carry their own
    # start tokens, so eos stands in, as CTranslate2's Qwen2 converter does.
    config = json.loads(config_file.read_text(encoding="utf-8"))
    for name in ("bos_token", "unk_token"):
        if config.get(name) is None:
            config[name] = config["eos_token"] if name == "bos_token" else ""
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")


def _check_vocabulary(model_dir: Path, tokenizer: PreTrainedTokenizerBase) -> None:
    vocabulary = json.loads((model_dir / VOCABULARY_FILE).read_text(encoding="utf-8"))
    tokens = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    if any(i >= len(vocabulary) or vocabulary[i] != token for token, i in tokens):
        raise CheckpointError(
            f"the converted vocabulary ({len(vocabulary)} tokens) is not the tokenizer's "
            f"({len(tokens)} tokens)"
        )


def load_causal_tokenizer(model_dir: str | os.PathLike[str]) -> PreTrainedTokenizerBase:
    """The tokenizer saved in a transformers or causal CTranslate2 directory
    (:func:`tacgen.nn.causal.causal_tokenizer`)."""
    from tacgen.nn.causal import causal_tokenizer

    return causal_tokenizer(str(model_dir))


def cached_causal_ct2_dir(
    hf_dir: str | os.PathLike[str], cache_dir: str | Path | None = None
) -> Path:
    """The CTranslate2 directory of a causal transformers directory, converted on first use
    and cached by content hash (a changed directory converts again), as
    :func:`tacgen.generator.ct2.cached_ct2_dir` does for T5.

    Args:
        hf_dir: a causal ``save_pretrained`` directory (model and tokenizer).
        cache_dir: the cache folder; :func:`tacgen.data.cache.default_cache_dir` when None.

    Returns:
        The converted directory (float32 weights, quantised when loaded).
    """
    source = Path(hf_dir)
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    entry = base / "ct2-causal" / source_digest(source, base)[:40]
    if not is_causal_ct2_dir(entry):
        convert_causal_to_ct2(source, entry, None, overwrite=True)
    return entry


def causal_compute_type(device: str, compute_type: str | None) -> str:
    """:func:`tacgen.generator.ct2.check_compute_type`, with ``float16`` allowed on CUDA
    (decoder-only models such as Qwen2 are published and run in float16; T5 is not)."""
    if compute_type == "float16" and device.split(":")[0] == "cuda":
        return compute_type
    return check_compute_type(device, compute_type)


class CT2CausalBackend(Backend):
    """Beam search and sampling with a CTranslate2 ``Generator`` over rendered prompts."""

    name = "ct2"

    def __init__(
        self,
        ct2_dir: Path,
        tokenizer: PreTrainedTokenizerBase,
        template: PromptTemplate,
        device: str = "cpu",
        compute_type: str | None = None,
        max_input_length: int = 2300,
        max_output_length: int = 512,
    ) -> None:
        """Loads a converted model.

        Args:
            ct2_dir: a directory from :func:`convert_causal_to_ct2`.
            tokenizer: the model's tokenizer (:func:`load_causal_tokenizer`).
            template: the prompt template the model was trained with: a stop text that is
                one token ends decoding beside eos; a longer one ends the completion at the
                token that completes it (decoding runs on to eos, the completion is cut
                and rescored); and it turns completions into tactics.
            device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
            compute_type: see :func:`causal_compute_type`; the device's default when None.
            max_input_length: a prompt keeps its last this many tokens (the template's end,
                which asks for the tactic, stays).
            max_output_length: the most tokens generated per tactic, end token included.

        Raises:
            UsageError: for a bad length or compute type.
        """
        import ctranslate2

        if max_input_length < 1 or max_output_length < 1:
            raise UsageError("max_input_length and max_output_length must be >= 1")
        self.compute_type = causal_compute_type(device, compute_type)
        self._device = device
        self._options = model_options(ct2_dir, device, self.compute_type)
        self.generator = ctranslate2.Generator(**self._options)
        self.tokenizer, self.template = tokenizer, template
        self.max_input_length, self.max_output_length = max_input_length, max_output_length
        self.end_ids = stop_token_ids(tokenizer, template)
        self.stop_texts = multi_token_stops(tokenizer, template)

    @property
    def device(self) -> str:
        """Where the model runs."""
        return self._device

    def prompt_ids(self, prompt: str) -> list[int]:
        """A rendered prompt's token ids (:func:`~tacgen.generator.causal_tokens.prompt_ids`)."""
        ids = prompt_ids(self.tokenizer, prompt, self.max_input_length)
        if not ids:
            raise UsageError("an empty prompt: a causal model needs at least one token")
        return ids

    def continuation_ids(self, tactic: str) -> list[int]:
        """The tokens a tactic's score sums over
        (:func:`~tacgen.generator.causal_tokens.continuation_ids`)."""
        return continuation_ids(self.tokenizer, self.template, tactic)

    def token_counts(self, tactics: Sequence[Sequence[str]]) -> list[list[int]]:
        """The number of tokens each tactic's score sums over (``--score mean-token``).

        Args:
            tactics: per query, its tactics.

        Returns:
            Per query, the count of each tactic, in order.
        """
        return [[len(self.continuation_ids(t)) for t in row] for row in tactics]

    def decode(
        self, inputs: Sequence[str], num_samples: int, options: GenerationOptions
    ) -> list[Candidates]:
        """See :meth:`Backend.decode`: ``inputs`` are rendered prompts; completions become
        tactics through ``template.tactic``, duplicates keep their best score."""
        if not inputs:
            return []
        prefix = self.tokenizer.encode(options.prefix, add_special_tokens=False)
        if len(prefix) >= self.max_output_length:  # no room for one more token
            return [[] for _ in inputs]
        starts = [self.prompt_ids(prompt) + prefix for prompt in inputs]
        results = self._generator(options).generate_batch(
            [self.tokenizer.convert_ids_to_tokens(ids) for ids in starts],
            max_batch_size=16,
            **self._search_options(num_samples, options, len(prefix)),
        )
        out = []
        for start, result in zip(starts, results):
            completions = [prefix + [int(i) for i in ids] for ids in result.sequences_ids]
            scores = [float(s) for s in result.scores]
            if self.stop_texts:  # the completion ends where a stop text does
                completions = [self._cut_at_stop_text(ids) for ids in completions]
            if prefix or options.mode == "sample" or self.stop_texts:
                prompt = start[: len(start) - len(prefix)]
                scores = self._score_pairs([(prompt, ids) for ids in completions])
            texts = [self._text(ids) for ids in completions]
            out.append(rank_candidates(texts, scores))
        return out

    def _search_options(
        self, num_samples: int, options: GenerationOptions, prefix_length: int
    ) -> dict[str, Any]:
        common: dict[str, Any] = {
            "num_hypotheses": num_samples,
            "max_length": self.max_output_length - prefix_length,
            "min_length": 0,
            "end_token": self.end_ids,
            "return_end_token": True,  # tells a finished candidate from one cut short
            "include_prompt_in_result": False,
            "return_scores": True,
            "length_penalty": 0.0,  # CTranslate2's default 1 divides by the length
        }
        if options.mode == "beam":
            return {**common, "beam_size": num_samples}
        vocabulary = len(self.tokenizer)
        if options.top_k == 1:  # CTranslate2's greedy search: every sample is the same
            common["num_hypotheses"] = 1
        return {
            **common,
            "beam_size": 1,
            "sampling_topk": options.top_k if options.top_k < vocabulary else 0,
            "sampling_topp": max(options.top_p, _FLOAT32_TINY),
            "sampling_temperature": options.temperature,
        }

    def _generator(self, options: GenerationOptions) -> Any:
        """A fresh generator for seeded sampling (CTranslate2 seeds a worker thread once,
        when it first samples; see :meth:`tacgen.generator.ct2.CT2Backend._translator`)."""
        if options.mode != "sample" or options.seed is None:
            return self.generator
        import ctranslate2

        ctranslate2.set_random_seed(options.seed)
        return ctranslate2.Generator(**self._options, inter_threads=1)

    def _cut_at_stop_text(self, ids: list[int]) -> list[int]:
        """The completion up to the token that completes a multi-token stop text (as
        transformers' ``stop_strings`` stops), all of it when none does."""
        if not self.stop_texts:
            return ids
        for k in range(1, len(ids) + 1):
            text = self.tokenizer.decode(ids[:k], clean_up_tokenization_spaces=False)
            if any(stop in text for stop in self.stop_texts):
                return ids[:k]
        return ids

    def _text(self, ids: Sequence[int]) -> str:
        return completion_tactic(self.tokenizer, self.template, ids, self.end_ids)

    def score(self, inputs: Sequence[str], tactics: Sequence[Sequence[str]]) -> list[list[float]]:
        """See :meth:`Backend.score`: ``inputs`` are rendered prompts; one ``score_batch``
        call for every (prompt, tactic) pair, without CTranslate2's 1024-token input cut."""
        prompts = [self.prompt_ids(prompt) for prompt in inputs]
        pairs = [(i, self.continuation_ids(t)) for i, row in enumerate(tactics) for t in row]
        flat = self._score_pairs([(prompts[i], ids) for i, ids in pairs])
        results: list[list[float]] = [[] for _ in inputs]
        for (i, _), value in zip(pairs, flat):
            results[i].append(value)
        return results

    def _score_pairs(self, pairs: Sequence[tuple[list[int], list[int]]]) -> list[float]:
        """The sum of the continuation's token log-probabilities after each prompt."""
        if not pairs:
            return []
        tokens = [self.tokenizer.convert_ids_to_tokens(p + c) for p, c in pairs]
        scored = self.generator.score_batch(tokens, max_input_length=0, max_batch_size=16)
        # log_probs[j] is the log-probability of token j + 1 given the tokens before it.
        return [
            float(sum(result.log_probs[len(prompt) - 1 :])) if continuation else 0.0
            for result, (prompt, continuation) in zip(scored, pairs)
        ]
