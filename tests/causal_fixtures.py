"""A tiny causal model that has learnt the model fixtures' pairs, saved as a transformers
directory, and plain-transformers references (teacher forcing, beam search) to check the
backends and the OpenAI-compatible path against."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from model_fixtures import PAIRS
from tacgen.data.formatting import remove_marks
from tacgen.generator.templates import PromptTemplate
from tacgen.nn.causal import CAUSAL_ARCHITECTURES, build_causal

CAUSAL_PAIRS = [(state, remove_marks(tactic)) for state, tactic in PAIRS]
"""(state, tactic) pairs without premise marks."""


MINI_QWEN2: dict[str, Any] = {
    **CAUSAL_ARCHITECTURES["tiny-qwen2"].config_dict(),
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}
"""A Qwen2 config smaller than ``tiny-qwen2`` (grouped-query attention kept), which learns
:data:`CAUSAL_PAIRS` in seconds on a busy CPU."""


def train_causal_dir(
    path: Path,
    template: PromptTemplate,
    steps: int = 60,
    seed: int = 0,
    config: Any = None,
    examples: Sequence[tuple[str, str]] | None = None,
) -> Path:
    """A Qwen2 (:data:`MINI_QWEN2` by default) trained for a few steps on (prompt, tactic)
    examples (:data:`CAUSAL_PAIRS` rendered by ``template`` by default; loss on the tactic
    and eos only, one padded batch), saved with its byte-level tokenizer at ``path``."""
    torch.manual_seed(seed)
    model, tokenizer = build_causal("mini", config or MINI_QWEN2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    if examples is None:
        examples = [(template.render(state), tactic) for state, tactic in CAUSAL_PAIRS]
    ids, mask, labels = _batch(tokenizer, template, examples)
    for _ in range(steps):
        model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _batch(
    tokenizer: Any, template: PromptTemplate, examples: Sequence[tuple[str, str]]
) -> tuple[Any, Any, Any]:
    """(ids, attention mask, labels), right-padded, each (examples, longest)."""
    rows = []
    for prompt_text, tactic in examples:
        prompt = tokenizer(prompt_text)["input_ids"]
        target = continuation(tokenizer, template, tactic)
        rows.append((prompt + target, [-100] * len(prompt) + target))
    width = max(len(ids) for ids, _ in rows)
    pad = tokenizer.eos_token_id
    ids = torch.tensor([i + [pad] * (width - len(i)) for i, _ in rows])
    mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i, _ in rows])
    labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in rows])
    return ids, mask, labels


def continuation(tokenizer: Any, template: PromptTemplate, tactic: str) -> list[int]:
    """The tokens a tactic's score sums over: its target, then eos without an end text."""
    ids = tokenizer.encode(template.target(tactic), add_special_tokens=False)
    return list(ids) + ([tokenizer.eos_token_id] if not template.end else [])


def load_reference(path: Path) -> tuple[Any, Any]:
    """The saved model (eval, float32) and tokenizer, through transformers."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(path)


def teacher_forced(model: Any, prompt: Sequence[int], target: Sequence[int]) -> float:
    """Sum of the log-probabilities of ``target`` after ``prompt``, plain transformers."""
    ids = torch.tensor([list(prompt) + list(target)])  # (1, len)
    with torch.no_grad():
        log_probs = model(input_ids=ids).logits.float().log_softmax(-1)  # (1, len, vocab)
    rows = log_probs[0, len(prompt) - 1 : -1]  # (len(target), vocab): predicts target
    return float(rows.gather(-1, torch.tensor(list(target)).unsqueeze(-1)).sum())


def beam_search(model: Any, prompt: Sequence[int], num_beams: int, max_new: int, eos: int) -> Any:
    """transformers' beam search (``length_penalty=0``): [(generated ids, score)], best
    first; the ids end with eos when the beam finished. One beam is greedy search, scored
    by teacher forcing (``generate`` gives no sequence score then)."""
    ids = torch.tensor([list(prompt)])  # (1, len)
    if num_beams == 1:
        with torch.no_grad():
            row = model.generate(
                ids, max_new_tokens=max_new, do_sample=False, eos_token_id=eos, pad_token_id=eos
            )[0, len(prompt) :].tolist()
        row = row[: row.index(eos) + 1] if eos in row else row
        return [(row, teacher_forced(model, prompt, row))]
    with torch.no_grad():
        out = model.generate(
            ids, num_beams=num_beams, num_return_sequences=num_beams, length_penalty=0.0,
            max_new_tokens=max_new, do_sample=False, eos_token_id=eos, pad_token_id=eos,
            output_scores=True, return_dict_in_generate=True, early_stopping=True,
        )  # fmt: skip
    result = []
    for row, score in zip(out.sequences, out.sequences_scores):
        generated = row[len(prompt) :].tolist()
        if eos in generated:
            generated = generated[: generated.index(eos) + 1]
        result.append((generated, float(score)))
    return result
