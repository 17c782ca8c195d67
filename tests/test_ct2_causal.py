"""The CTranslate2 backend of causal models against plain transformers, float32: the same
top-1 candidate, and every score the teacher-forced log-probability of the continuation.

A small Qwen2 (``mini_causal_dir``) has learnt the model fixtures' pairs under the ``bfs``
template, so that its beams end in eos like a real step prover's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from causal_fixtures import CAUSAL_PAIRS, beam_search, continuation, load_reference, teacher_forced
from tacgen.core.errors import ConfigError, UsageError
from tacgen.generator.options import GenerationOptions
from tacgen.generator.templates import TEMPLATES, PromptTemplate

pytest.importorskip("ctranslate2")

from tacgen.generator.ct2_causal import (
    CT2CausalBackend,
    cached_causal_ct2_dir,
    convert_causal_to_ct2,
    is_causal_ct2_dir,
    is_causal_hf_dir,
    load_causal_tokenizer,
)

BFS = TEMPLATES["bfs"]
PROMPTS = [BFS.render(state) for state, _ in CAUSAL_PAIRS]
ATOL = 1e-3
"""Issue 16's tolerance between backends (float32 scores, tests/test_backends.py)."""
MAX_OUT = 24


@pytest.fixture(scope="module")
def ct2_dir(mini_causal_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cached_causal_ct2_dir(mini_causal_dir, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def backend(ct2_dir: Path) -> CT2CausalBackend:
    tokenizer = load_causal_tokenizer(ct2_dir)
    return CT2CausalBackend(
        ct2_dir, tokenizer, BFS, compute_type="float32", max_output_length=MAX_OUT
    )


@pytest.fixture(scope="module")
def reference(mini_causal_dir: Path) -> tuple[Any, Any]:
    return load_reference(mini_causal_dir)


def test_conversion_keeps_tokenizer_and_tacgen_files(
    mini_causal_dir: Path, ct2_dir: Path, tmp_path: Path
) -> None:
    assert is_causal_hf_dir(mini_causal_dir) and not is_causal_hf_dir(ct2_dir)
    assert is_causal_ct2_dir(ct2_dir) and (ct2_dir / "tokenizer.json").is_file()
    vocabulary = json.loads((ct2_dir / "vocabulary.json").read_text())
    tokenizer = load_causal_tokenizer(ct2_dir)
    assert vocabulary[: len(tokenizer)] == tokenizer.convert_ids_to_tokens(
        list(range(len(tokenizer)))
    )
    # The cache converts once: the same directory comes back for the same content.
    assert cached_causal_ct2_dir(mini_causal_dir, ct2_dir.parents[1]) == ct2_dir
    source = tmp_path / "hf"
    source.mkdir()
    for file in mini_causal_dir.iterdir():
        (source / file.name).write_bytes(file.read_bytes())
    (source / "tacgen_template.json").write_text(json.dumps(BFS.to_dict()))
    out = convert_causal_to_ct2(source, tmp_path / "ct2", quantization="int8")
    assert json.loads((out / "tacgen_template.json").read_text()) == BFS.to_dict()
    with pytest.raises(FileExistsError):
        convert_causal_to_ct2(source, out)
    with pytest.raises(ConfigError, match="not a transformers directory of a causal model"):
        convert_causal_to_ct2(tmp_path, tmp_path / "other")


def test_beam_search_matches_transformers(
    backend: CT2CausalBackend, reference: tuple[Any, Any]
) -> None:
    """The same top-1 as transformers' beam search, with its score; every candidate's
    score is the teacher-forced log-probability of its tokens (eos included when finished)."""
    model, tokenizer = reference
    ranked = backend.decode(PROMPTS, 4, GenerationOptions())
    for prompt, candidates, (_, tactic) in zip(PROMPTS, ranked, CAUSAL_PAIRS):
        ids = tokenizer(prompt)["input_ids"]
        theirs = beam_search(model, ids, 4, MAX_OUT, tokenizer.eos_token_id)
        best_ids, best_score = theirs[0]
        assert candidates[0][0] == tokenizer.decode(best_ids, skip_special_tokens=True) == tactic
        assert candidates[0][1] == pytest.approx(best_score, abs=ATOL)
        for text, score in candidates:
            target = tokenizer.encode(text, add_special_tokens=False)
            finished = [*target, tokenizer.eos_token_id]
            expected = teacher_forced(model, ids, finished if len(target) < MAX_OUT else target)
            assert score == pytest.approx(expected, abs=ATOL), text


@pytest.mark.parametrize("name", ["bfs", "internlm-step"])
def test_score_is_teacher_forced(ct2_dir: Path, reference: tuple[Any, Any], name: str) -> None:
    """The continuation's log-probability: the target, then eos (``bfs``) or the end text
    (``internlm-step``'s ``<|im_end|>``, no eos); the prompt rendered with name and path."""
    model, tokenizer = reference
    template = TEMPLATES[name]
    backend = CT2CausalBackend(ct2_dir, tokenizer, template, compute_type="float32")
    prompts = [template.render(s, "demo", ("intro n", "simp")) for s, _ in CAUSAL_PAIRS[:2]]
    tactics = [[t for _, t in CAUSAL_PAIRS[:3]], ["simp", "ring", "intro h\n  exact h"]]
    scores = backend.score(prompts, tactics)
    for prompt, row, values in zip(prompts, tactics, scores):
        ids = tokenizer(prompt)["input_ids"]
        expected = [teacher_forced(model, ids, continuation(tokenizer, template, t)) for t in row]
        assert values == pytest.approx(expected, abs=ATOL)
    assert backend.score([], []) == []


def test_score_passes_the_real_input_limit(ct2_dir: Path, reference: tuple[Any, Any]) -> None:
    """A prompt over CTranslate2's default 1024-token cut is scored whole (the last
    ``max_input_length`` tokens), not cut at 1024."""
    model, tokenizer = reference
    long = CT2CausalBackend(ct2_dir, tokenizer, BFS, compute_type="float32", max_input_length=1200)
    prompt = BFS.render("h : x = y\n" * 150 + "⊢ True")  # 1,515 bytes: tokens
    ids = tokenizer(prompt)["input_ids"][-1200:]
    ((value,),) = long.score([prompt], [["trivial"]])
    assert value == pytest.approx(
        teacher_forced(model, ids, continuation(tokenizer, BFS, "trivial")), abs=ATOL
    )


def test_sampling_reports_untempered_log_probs(
    backend: CT2CausalBackend, reference: tuple[Any, Any]
) -> None:
    model, tokenizer = reference
    options = GenerationOptions(mode="sample", temperature=1.5, seed=3, top_k=50)
    first = backend.decode(PROMPTS[:2], 6, options)
    assert first == backend.decode(PROMPTS[:2], 6, options)  # seeded
    checked = 0
    for prompt, candidates in zip(PROMPTS, first):
        ids = tokenizer(prompt)["input_ids"]
        for text, score in candidates:
            target = tokenizer.encode(text, add_special_tokens=False)
            # Finished, and its text is its tokens (no stray spaces, no broken UTF-8).
            if len(target) < MAX_OUT and text == text.strip() and "\ufffd" not in text:
                expected = teacher_forced(model, ids, [*target, tokenizer.eos_token_id])
                assert score == pytest.approx(expected, abs=ATOL), text
                checked += 1
    assert checked >= 2, first


def test_prefix_is_scored(backend: CT2CausalBackend, reference: tuple[Any, Any]) -> None:
    model, tokenizer = reference
    (candidates,) = backend.decode(PROMPTS[1:2], 3, GenerationOptions(prefix="rw"))
    assert candidates and all(text.startswith("rw") for text, _ in candidates)
    ids = tokenizer(PROMPTS[1])["input_ids"]
    text, score = candidates[0]
    assert score == pytest.approx(
        teacher_forced(model, ids, continuation(tokenizer, BFS, text)), abs=ATOL
    )


def test_stop_tokens_and_stop_texts(ct2_dir: Path, reference: tuple[Any, Any]) -> None:
    """A one-token stop text ends decoding; a longer one ends the completion at the token
    that completes it (scored through it, as transformers' stop_strings stops)."""
    model, tokenizer = reference
    internlm = CT2CausalBackend(
        ct2_dir, tokenizer, TEMPLATES["internlm-step"], compute_type="float32"
    )
    assert internlm.end_ids == [
        tokenizer.eos_token_id,
        tokenizer.convert_tokens_to_ids("<|im_end|>"),
    ]
    cut = PromptTemplate("custom", "{state}:::", stop=("_co",), separator=":::")
    backend = CT2CausalBackend(ct2_dir, tokenizer, cut, compute_type="float32")
    assert backend.stop_texts == ["_co"]
    (ranked,) = backend.decode(PROMPTS[1:2], 2, GenerationOptions())
    assert ranked[0][0] == "rw [Nat.add"  # the model's 'rw [Nat.add_comm]', cut
    ids = tokenizer(PROMPTS[1])["input_ids"]
    scored = tokenizer.encode("rw [Nat.add_co", add_special_tokens=False)
    assert ranked[0][1] == pytest.approx(teacher_forced(model, ids, scored), abs=ATOL)
    with pytest.raises(UsageError):
        CT2CausalBackend(ct2_dir, tokenizer, BFS, compute_type="float32", max_output_length=0)


def test_export_ct2_of_a_causal_directory(
    mini_causal_dir: Path, backend: CT2CausalBackend, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from tacgen.cli import main

    out = tmp_path / "ct2"
    argv = ["export", "--ckpt", str(mini_causal_dir), "--out", str(out), "--format", "ct2"]
    assert main(argv) == 0
    assert "CTranslate2 Generator, float32" in capsys.readouterr().out
    exported = CT2CausalBackend(out, load_causal_tokenizer(out), BFS, compute_type="float32")
    ((mine,),) = exported.score(PROMPTS[:1], [["simp"]])
    ((theirs,),) = backend.score(PROMPTS[:1], [["simp"]])
    assert mine == pytest.approx(theirs, abs=1e-6)
    assert main(argv) == 2  # exists: --overwrite replaces it
    assert main([*argv, "--overwrite", "--quantization", "int8"]) == 0
