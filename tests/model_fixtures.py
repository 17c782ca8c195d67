"""Shared helpers of the model tests: a very small T5, batches, teacher-forced scoring."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from tacgen.core.records import Example
from tacgen.generator.batch import Batch
from tacgen.nn.tokenizer import ByteTokenizer

# Belt and braces: effective only if transformers is not imported yet. No test names a hub
# model except one that skips itself unless the hub is offline.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SMALL_CONFIG: dict[str, Any] = {
    "vocab_size": 384,
    "d_model": 32,
    "d_ff": 64,
    "d_kv": 8,
    "num_heads": 4,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "feed_forward_proj": "gated-gelu",
    "dropout_rate": 0.1,
    "tie_word_embeddings": False,
    "decoder_start_token_id": 0,
    "pad_token_id": 0,
    "eos_token_id": 1,
}
"""A T5 small enough for a Trainer run in a second or two."""

PAIRS: list[tuple[str, str]] = [
    ("n : ℕ\n⊢ n + 0 = n", "simp"),
    ("a b : ℕ\n⊢ a + b = b + a", "rw [<a>Nat.add_comm</a>]"),
    ("⊢ True", "trivial"),
    ("p q : Prop\nhp : p\n⊢ p ∨ q", "exact Or.inl hp"),
    ("x : ℤ\n⊢ x * 1 = x", "ring"),
    ("h : 1 = 2\n⊢ False", "omega"),
]
"""(state, tactic) pairs for batches."""


def make_example(state: str, tactic: str, index: int = 0) -> Example:
    """An Example with placeholder metadata."""
    return Example(
        url="https://example.org/repo",
        commit="0" * 40,
        file_path="Demo.lean",
        full_name=f"demo_{index}",
        start=(index + 1, 0),
        tactic_index=0,
        state=state,
        tactic=tactic,
    )


def collate(pairs: Sequence[tuple[str, str]], max_length: int = 256) -> Batch:
    """Tokenizes (state, tactic) pairs into a Batch (target padding -100), as the dataset
    collates its items."""
    from tacgen.generator.batch import GeneratorItem
    from tacgen.generator.dataset import collate_items

    items = [GeneratorItem(make_example(s, t, i), s, t) for i, (s, t) in enumerate(pairs)]
    return collate_items(items, ByteTokenizer(), max_length, max_length)


def loader(pairs: Sequence[tuple[str, str]] = PAIRS, batch_size: int = 3) -> DataLoader[Any]:
    """A DataLoader of Batch objects over the pairs (collated inline)."""
    return DataLoader(list(pairs), batch_size=batch_size, collate_fn=collate, shuffle=False)


def teacher_forced_log_prob(
    model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, target: list[int]
) -> float:
    """Sum of the token log-probabilities of ``target`` given one input row (eval mode)."""
    labels = torch.tensor([target])  # (1, target_len)
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).logits
    log_probs = logits.float().log_softmax(-1)  # (1, target_len, vocab)
    return float(log_probs.gather(-1, labels.unsqueeze(-1)).sum())


def printable_head(model: torch.nn.Module, eos_bonus: float = 4.0) -> None:
    """Makes the model emit only printable ASCII and eos, so that texts round-trip.

    Replaces ``lm_head`` by itself plus a fixed bias: -1e4 on every other id, and
    ``eos_bonus`` on eos so that beams finish early. The result is simply another model;
    beam search and teacher forcing both see it.
    """
    head = model.lm_head
    bias = torch.full((head.out_features,), -1.0e4)
    bias[3 + 32 : 3 + 127] = 0.0  # bytes 32..126
    bias[1] = eos_bonus

    class BiasedHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = head
            self.register_buffer("bias", bias)

        def forward(self, hidden: torch.Tensor) -> torch.Tensor:
            return self.inner(hidden) + self.bias  # (batch, len, vocab)

    model.lm_head = BiasedHead()


def read_csv_metrics(save_dir: Path) -> dict[str, float]:
    """The last logged value of each metric in the CSVLogger's ``metrics.csv``."""
    (path,) = save_dir.rglob("metrics.csv")
    values: dict[str, float] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            values.update({k: float(v) for k, v in row.items() if v not in ("", None)})
    return values


def train_checkpoint(
    path: Path,
    pairs: Sequence[tuple[str, str]] | None = None,
    steps: int = 150,
    lr: float = 3e-3,
    max_output_length: int = 24,
    seed: int = 0,
) -> Path:
    """A minuscule generator trained briefly on (state, tactic) pairs, saved at ``path``.

    The default pairs are :data:`PAIRS` without premise marks: candidates come out unmarked,
    so their scores can be compared with a teacher-forced pass over the same text.
    """
    import lightning as L

    from tacgen.data.formatting import remove_marks
    from tacgen.generator.module import RetrievalAugmentedGenerator

    if pairs is None:
        pairs = [(state, remove_marks(tactic)) for state, tactic in PAIRS]
    torch.manual_seed(seed)
    model = RetrievalAugmentedGenerator(
        model_config=SMALL_CONFIG,
        lr=lr,
        warmup_steps=1,
        max_output_length=max_output_length,
        num_beams=2,
    )
    trainer = L.Trainer(
        max_steps=steps,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    data = DataLoader(list(pairs), batch_size=min(4, len(pairs)), shuffle=True, collate_fn=collate)
    trainer.fit(model, train_dataloaders=data)
    trainer.save_checkpoint(path)
    return path


def assert_same_candidates(
    ours: Sequence[tuple[str, float]], theirs: Sequence[tuple[str, float]], atol: float
) -> None:
    """Two ranked lists of (tactic, log-prob) are the same answer up to float noise.

    What is invariant across CPUs, thread counts and batch shapes: every tactic in both has
    the same score within ``atol``, and a tactic in only one of them is a near-tie at the
    cut (its score within ``atol`` of the other list's last score), so that which of two
    near-equal candidates makes the list is the only freedom. The order follows from the
    scores: both lists are sorted, so only near-ties can swap.
    """
    mine, other = dict(ours), dict(theirs)
    for tactic in mine.keys() & other.keys():
        assert abs(mine[tactic] - other[tactic]) <= atol, (tactic, mine[tactic], other[tactic])
    for only, rest in ((mine.keys() - other.keys(), theirs), (other.keys() - mine.keys(), ours)):
        for tactic in only:
            score = mine.get(tactic, other.get(tactic))
            assert rest and score is not None and abs(score - rest[-1][1]) <= atol, (tactic, score)
    for ranked in (ours, theirs):
        scores = [score for _, score in ranked]
        assert scores == sorted(scores, reverse=True)


def ct2_teacher_forced(generator: Any, state: str, tactic: str) -> float:
    """Log-prob of ``tactic`` + eos given ``state`` under a ct2-backed generator's own model
    (its own kernels and quantisation), through CTranslate2's ``score_batch``."""
    backend = generator.backend
    source = backend.tokens(state, 2300)
    target = backend.tokens(tactic, None)
    (result,) = backend.translator.score_batch([source], [target], max_input_length=0)
    return float(sum(result.log_probs))
