"""Seeded numeric regression tests (in the style of torchtune's T5 encoder test).

The expected numbers were computed once, on CPU, with torch 2.13.0+cpu and transformers
5.24.0, from the checked-in ``tests/fixtures/configs/minuscule_t5.json``. A change means the
model that ``build_model`` builds from a ``config.json`` changed: its architecture, its
initialisation (transformers' ``_init_weights`` or tacgen's untied ``lm_head``), the RNG
stream they consume, or the forward pass. If a library upgrade changes them on purpose,
recompute them (the snippet below), check the change is understood, and paste them in::

    torch.manual_seed(3407)
    model = build_model("tests/fixtures/configs/minuscule_t5.json").eval()
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import T5ForConditionalGeneration

from tacgen.nn.architectures import build_model
from tacgen.nn.tokenizer import ByteTokenizer

CONFIG = Path(__file__).parent / "fixtures" / "configs" / "minuscule_t5.json"
STATE = "n : ℕ\n⊢ n + 0 = n"
STATE_IDS = [113, 35, 61, 35, 229, 135, 152, 13, 229, 141, 165, 35, 113, 35, 46, 35, 51, 35, 64, 35]
STATE_IDS += [113, 1]
"""ByT5 ids of STATE: UTF-8 bytes + 3 ("ℕ" is e2 84 95, "⊢" is e2 8a a2), then eos (1)."""
TACTIC_IDS = [118, 108, 112, 115, 1]
"""ByT5 ids of "simp", eos-terminated."""
ATOL = 1e-4


def test_byte_tokenizer_golden_ids() -> None:
    """ByteTokenizer's ids of a Lean state (multi-byte characters, a newline) are fixed."""
    tokenizer = ByteTokenizer()
    assert tokenizer.encode(STATE) == STATE_IDS
    assert tokenizer.encode("simp") == TACTIC_IDS
    ids, mask = tokenizer.batch_encode([STATE, "simp"], 64)
    assert ids.tolist() == [STATE_IDS, TACTIC_IDS + [0] * (len(STATE_IDS) - len(TACTIC_IDS))]
    assert mask.sum(dim=1).tolist() == [len(STATE_IDS), len(TACTIC_IDS)]
    assert tokenizer.decode(STATE_IDS) == STATE


@pytest.fixture(scope="module")
def seeded_model() -> T5ForConditionalGeneration:
    """The minuscule T5 built from its config.json right after ``torch.manual_seed(3407)``."""
    torch.manual_seed(3407)
    return build_model(str(CONFIG)).eval()


def test_parameter_count(seeded_model: T5ForConditionalGeneration) -> None:
    """The fixture config builds the same architecture (untied lm_head included)."""
    assert sum(p.numel() for p in seeded_model.parameters()) == 49504
    assert seeded_model.lm_head.weight is not seeded_model.shared.weight


def test_encoder_output_is_unchanged(seeded_model: T5ForConditionalGeneration) -> None:
    """Encoder output statistics and first values for fixed ids match the recorded ones."""
    with torch.no_grad():
        hidden = seeded_model.encoder(input_ids=torch.tensor([STATE_IDS])).last_hidden_state
    assert hidden.shape == (1, len(STATE_IDS), 32)
    assert hidden.mean().item() == pytest.approx(-0.16932366788387299, abs=ATOL)
    assert hidden.abs().sum().item() == pytest.approx(578.2989501953125, abs=1e-2)
    expected = [1.1371101140975952, -1.275235652923584, -0.15267260372638702, -0.7017810344696045]
    torch.testing.assert_close(hidden[0, 0, :4], torch.tensor(expected), atol=ATOL, rtol=0)


def test_loss_and_logits_are_unchanged(seeded_model: T5ForConditionalGeneration) -> None:
    """Teacher-forced loss and the first logits for fixed labels match the recorded ones."""
    with torch.no_grad():
        out = seeded_model(input_ids=torch.tensor([STATE_IDS]), labels=torch.tensor([TACTIC_IDS]))
    assert out.logits.shape == (1, len(TACTIC_IDS), 384)
    assert out.loss.item() == pytest.approx(6.667497158050537, abs=ATOL)
    expected = [
        -1.322935938835144,
        1.5385065078735352,
        -0.6521983742713928,
        0.9378167986869812,
        -0.7062830924987793,
    ]
    torch.testing.assert_close(out.logits[0, 0, :5], torch.tensor(expected), atol=ATOL, rtol=0)
