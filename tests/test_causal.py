"""Causal generators (issue 23): the training batch (prompt masked), the theorem's earlier
tactics, generation and teacher-forced scores, the saved and enforced template, HF export
and reload, and the named architectures."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from causal_module_fixtures import causal_pairs
from model_fixtures import assert_same_candidates, collate
from tacgen.core.errors import ConfigError, UsageError
from tacgen.core.records import Query
from tacgen.generator.causal_batch import IGNORED
from tacgen.generator.causal_io import EXPORT_FILE, TEMPLATE_KEY
from tacgen.generator.causal_module import CausalGenerator
from tacgen.generator.causal_tokens import continuation_ids, prompt_ids
from tacgen.generator.inference import load_generator
from tacgen.generator.options import GenerationOptions
from tacgen.generator.templates import TEMPLATES

STATES = ["n : ℕ\n⊢ n + 0 = n", "⊢ True", "x : ℤ\n⊢ x * 1 = x", "h : 1 = 2\n⊢ False"]
"""States the fixture model learnt, each with one tactic."""


def queries() -> list[Query]:
    return [Query(state, "Demo.lean", f"demo_{i}") for i, state in enumerate(STATES)]


@pytest.mark.parametrize("name", ["bfs", "internlm-step"])
def test_training_batch_masks_the_prompt_and_ends_the_target(name: str) -> None:
    module = CausalGenerator(model_config=MINI, template=name, max_output_length=32)
    pairs = [("⊢ True", "trivial"), ("a b : ℕ\n⊢ a + b = b + a", "rw [Nat.add_comm]")]
    batch = module.encode_batch(collate(pairs))
    tok, template = module.tokenizer, module.template
    for row, (state, tactic) in enumerate(pairs):
        prompt = prompt_ids(tok, template.render(state, f"demo_{row}"), 1024)
        target = continuation_ids(tok, template, tactic)
        n = len(prompt) + len(target)
        assert batch.input_ids[row, :n].tolist() == prompt + target
        assert batch.labels[row, : len(prompt)].eq(IGNORED).all()
        assert batch.labels[row, len(prompt) : n].tolist() == target
        assert batch.labels[row, n:].eq(IGNORED).all() and batch.attention_mask[row].sum() == n
    ends = {"bfs": tok.eos_token_id, "internlm-step": tok.convert_tokens_to_ids("<|im_end|>")}
    assert continuation_ids(tok, template, "rfl")[-1] == ends[name]
    assert continuation_ids(tok, template, "rfl" * 20, 16)[-1] == ends[name]  # kept when cut


MINI = {
    "model_type": "qwen2", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
    "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 259,
    "eos_token_id": 256, "pad_token_id": 256,
}  # fmt: skip


def test_token_counts_follow_the_template_end() -> None:
    module = CausalGenerator(model_config=MINI, template="internlm-step")
    # "<|im_end|>" is one token and replaces eos: "rfl" then the end token.
    assert module.token_counts([Query("⊢ True")], [["rfl", "⊢"]]) == [[4, 4]]


def test_prompts_keep_their_tail_and_show_the_earlier_tactics() -> None:
    module = CausalGenerator(model_config=MINI, template="internlm-step", max_input_length=40)
    batch = collate([("⊢ True", "trivial")])
    batch = type(batch)(**{**batch.__dict__, "proof_before": (("intro h", "simp"),)})
    encoded = module.encode_batch(batch)
    assert "PROOF_BEFORE: intro h\nsimp\n" in encoded.prompts[0]
    prompt = encoded.input_ids[0, :40].tolist()
    assert module.tokenizer.decode(prompt).endswith("<|im_start|>assistant\n")


def test_the_dataset_gives_each_tactic_its_theorems_earlier_ones() -> None:
    from tacgen.core.paths import resolve_split_folder
    from tacgen.generator.dataset import GeneratorDataset

    dataset = GeneratorDataset(resolve_split_folder("tacgen:demo/random") / "train.json")
    table = dataset.examples
    longest = max(range(len(dataset)), key=lambda i: int(table.tactic_indices[i]))
    first = longest - int(table.tactic_indices[longest])
    expected = tuple(dataset[i].tactic.replace("<a>", "").replace("</a>", "")
                     for i in range(first, longest))  # fmt: skip
    assert len(expected) >= 2 and dataset[longest].proof_before == expected
    assert dataset[first].proof_before == ()


def test_generates_ranked_tactics_whose_scores_teacher_forcing_gives_back(
    causal_checkpoint: Path,
) -> None:
    generator = load_generator(causal_checkpoint, device="cpu")
    results = generator.generate_queries(queries(), 4)
    for query, ranked in zip(queries(), results):
        assert ranked[0][0] in {tactic for state, tactic in causal_pairs() if state == query.state}
        scores = [score for _, score in ranked]
        assert scores == sorted(scores, reverse=True) and len({t for t, _ in ranked}) == len(ranked)
    scored = generator.score_queries(queries(), [[t for t, _ in r] for r in results])
    for ranked, again in zip(results, scored):
        assert again == pytest.approx([score for _, score in ranked], abs=1e-4)
    counts = generator.token_counts(queries(), [["simp", "rfl"]] * len(STATES))
    assert counts == [[5, 4]] * len(STATES)  # bytes, then eos (bfs ends with eos)


def test_sampled_and_prefixed_scores_are_untempered_log_probs(causal_checkpoint: Path) -> None:
    generator = load_generator(causal_checkpoint, device="cpu")
    options = GenerationOptions(mode="sample", temperature=2.0, seed=7)
    for opts in (options, GenerationOptions(prefix="ri")):
        results = generator.generate_queries(queries(), 8, opts)
        # Texts that round-trip (no stray bytes of a cut character) and end with eos.
        kept = [[(t, s) for t, s in r if "\ufffd" not in t and s > -40] for r in results]
        scored = generator.score_queries(queries(), [[t for t, _ in r] for r in kept])
        assert sum(map(len, kept)) >= 8
        for ranked, again in zip(kept, scored):
            assert again == pytest.approx([s for _, s in ranked], abs=1e-4)
    prefixed = generator.generate_queries(queries()[:1], 3, GenerationOptions(prefix="ri"))
    assert all(tactic.startswith("ri") for tactic, _ in prefixed[0])


def test_the_template_is_saved_and_another_is_refused(
    causal_checkpoint: Path, causal_export: Path
) -> None:
    checkpoint = torch.load(causal_checkpoint, map_location="cpu", weights_only=True)
    assert checkpoint[TEMPLATE_KEY] == TEMPLATES["bfs"].to_dict()
    assert '"name": "bfs"' in (causal_export / EXPORT_FILE).read_text(encoding="utf-8")
    for source in (causal_checkpoint, causal_export):
        with pytest.raises(ConfigError, match="trained with prompt template bfs, not internlm"):
            load_generator(source, device="cpu", template="internlm-step")
        forced = load_generator(
            source, device="cpu", template="reprover-causal", force_template=True
        )
        assert forced.template == TEMPLATES["reprover-causal"]
        assert load_generator(source, device="cpu", template="bfs").template == TEMPLATES["bfs"]
    with pytest.raises(ConfigError, match="trained with prompt template"):
        CausalGenerator.load(causal_checkpoint, template="{state} ::: ")


def test_a_published_directory_needs_a_template(causal_export: Path, tmp_path: Path) -> None:
    import shutil

    published = tmp_path / "published"
    shutil.copytree(causal_export, published)
    (published / EXPORT_FILE).unlink()
    with pytest.raises(UsageError, match="saves no prompt template"):
        load_generator(published, device="cpu")
    generator = load_generator(published, device="cpu", template="bfs")
    assert generator.generate_queries(queries()[:1], 2)[0][0][0] == "simp"


def test_the_export_generates_as_the_checkpoint(
    causal_checkpoint: Path, causal_export: Path
) -> None:
    assert (causal_export / "tokenizer.json").is_file()
    ours = load_generator(causal_checkpoint, device="cpu").generate_queries(queries(), 3)
    theirs = load_generator(causal_export, device="cpu").generate_queries(queries(), 3)
    for a, b in zip(ours, theirs):
        assert_same_candidates(a, b, 1e-5)


def test_a_seq2seq_generator_takes_no_template(tiny_checkpoint: Path) -> None:
    with pytest.raises(UsageError, match="takes no prompt template"):
        load_generator(tiny_checkpoint, device="cpu", template="bfs")


@pytest.mark.parametrize("name", ["tiny-llama", "tiny-qwen2"])
def test_named_architectures_build_and_generate(name: str) -> None:
    torch.manual_seed(0)
    module = CausalGenerator(model_name=name, max_output_length=4).eval()
    assert type(module.backbone).__name__.lower().startswith(name.split("-")[1])
    ranked = module.generate_queries([Query("⊢ True")], 2)
    assert len(ranked) == 1 and all(isinstance(s, float) for _, s in ranked[0])


def test_lora_needs_pretrained_weights() -> None:
    with pytest.raises(ConfigError, match="LoRA adapts pretrained weights"):
        CausalGenerator(model_name="tiny-qwen2", lora_r=4)


def test_the_ct2_backend_agrees_with_torch(
    causal_checkpoint: Path, causal_export: Path, tmp_path: Path
) -> None:
    """``load_generator(..., backend="ct2")`` for a causal checkpoint, its export and its
    CTranslate2 export: float32 gives torch's top-1, and the same scores."""
    pytest.importorskip("tacgen.generator.ct2_causal")
    from tacgen.cli import main

    ct2_dir = tmp_path / "ct2"
    assert (
        main(["export", "--ckpt", str(causal_checkpoint), "--out", str(ct2_dir), "--format", "ct2"])
        == 0
    )
    reference = load_generator(causal_checkpoint, device="cpu").generate_queries(queries(), 3)
    for source in (causal_checkpoint, causal_export, ct2_dir):
        ct2 = load_generator(source, device="cpu", backend="ct2", compute_type="float32")
        assert ct2.template == TEMPLATES["bfs"]
        for ours, theirs in zip(ct2.generate_queries(queries(), 3), reference):
            assert ours[0][0] == theirs[0][0]
            # The searches may keep different lower beams; a tactic both find scores alike.
            common = dict(ours).keys() & dict(theirs).keys()
            assert all(dict(ours)[t] == pytest.approx(dict(theirs)[t], abs=1e-3) for t in common)
    with pytest.raises(ConfigError, match="trained with prompt template"):
        load_generator(ct2_dir, device="cpu", backend="ct2", template="internlm-step")
