"""CTranslate2's ``Generator`` against plain transformers ``generate`` for a causal model.

Usage::

    python benchmarks/bench_causal_decode.py [--model qwen2-0.5b] [--prompts 8]
        [--num-samples 4] [--max-new-tokens 16] [--max-prompt-tokens 128]

The model is a named causal architecture of ``tacgen.nn.causal`` with random weights
(``qwen2-0.5b``: Qwen2-0.5B's shape, BFS-Prover's family, 494M parameters, float32) and
tacgen's byte-level tokenizer. The prompts are the first ``--prompts`` states of the demo's
test split rendered with the ``bfs`` template, cut to their last ``--max-prompt-tokens``
tokens. Each way decodes the same prompts with beam search (``--num-samples`` beams,
``length_penalty=0``) and sampling (``--num-samples`` samples, temperature 0.7), one
prompt per call (batch 1) and all at once (batch 8), ``--max-new-tokens`` new tokens:

- ``plain generate``: ``model.generate`` (left padding, attention mask);
- ``ct2 float32`` and ``ct2 int8``: ``ctranslate2.Generator.generate_batch`` on the model
  converted by ``convert_causal_to_ct2`` (``include_prompt_in_result=False``).

Random weights almost never emit eos, so every way decodes every sequence to the limit: the
same work. Prints seconds per setting, the speed-up over plain ``generate``, and for beam
search how many prompts get the same best sequence as plain ``generate`` (near-flat random
distributions make near-ties: see BENCHMARKS.md), with the load average (the machine may be
shared).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from machine import cpu_model

REPO = Path(__file__).resolve().parents[1]
DEMO_TEST = REPO / "src" / "tacgen" / "demo_data" / "random" / "test.json"


def prompts(args: argparse.Namespace, tokenizer) -> list[list[int]]:
    """Token ids of the first states of the demo split, ``bfs``-rendered, cut."""
    from tacgen.generator.templates import TEMPLATES

    states = []
    for theorem in json.loads(DEMO_TEST.read_text(encoding="utf-8")):
        states += [step["state_before"] for step in theorem["traced_tactics"]]
    rendered = [TEMPLATES["bfs"].render(state) for state in states[: args.prompts]]
    return [tokenizer(text)["input_ids"][-args.max_prompt_tokens :] for text in rendered]


def hf_decode(model, batch: list[list[int]], mode: str, args: argparse.Namespace) -> list:
    """Best sequence of each prompt (plain ``generate``, left padding)."""
    width = max(map(len, batch))
    pad = model.config.pad_token_id
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in batch])  # (batch, width)
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in batch])
    n = args.num_samples
    search = (
        {"num_beams": n, "length_penalty": 0.0, "do_sample": False}
        if mode == "beam"
        else {"do_sample": True, "temperature": 0.7, "top_k": 0}
    )
    with torch.no_grad():
        out = model.generate(
            input_ids=ids, attention_mask=mask, num_return_sequences=n, pad_token_id=pad,
            max_new_tokens=args.max_new_tokens, min_new_tokens=args.max_new_tokens, **search,
        )  # fmt: skip
    return [out[i * n, width:].tolist() for i in range(len(batch))]


def ct2_decode(generator, tokenizer, batch: list[list[int]], mode: str, args) -> list:
    """Best sequence of each prompt (``generate_batch``)."""
    n = args.num_samples
    search = (
        {"beam_size": n}
        if mode == "beam"
        else {"beam_size": 1, "sampling_topk": 0, "sampling_temperature": 0.7}
    )
    results = generator.generate_batch(
        [tokenizer.convert_ids_to_tokens(p) for p in batch], num_hypotheses=n,
        max_length=args.max_new_tokens, min_length=args.max_new_tokens, length_penalty=0.0,
        include_prompt_in_result=False, return_scores=True, **search,
    )  # fmt: skip
    return [list(result.sequences_ids[0]) for result in results]


def timed(decode, all_prompts: list[list[int]], batch_size: int) -> tuple[float, list]:
    start, best = time.perf_counter(), []
    for i in range(0, len(all_prompts), batch_size):
        best += decode(all_prompts[i : i + batch_size])
    return time.perf_counter() - start, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2-0.5b")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--num-samples", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--max-prompt-tokens", type=int, default=128)
    args = parser.parse_args()
    import ctranslate2

    from tacgen.generator.ct2_causal import convert_causal_to_ct2
    from tacgen.nn.causal import build_causal

    torch.manual_seed(0)
    model, tokenizer = build_causal(args.model)
    model.eval()
    threads = min(os.cpu_count() or 1, 16)
    torch.set_num_threads(threads)
    print(f"command : python benchmarks/bench_causal_decode.py {' '.join(sys.argv[1:])}")
    print(f"machine : {cpu_model()} | torch {torch.__version__}, {threads} threads | "
          f"ctranslate2 {ctranslate2.__version__}")  # fmt: skip
    print(f"load    : {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min) at start")
    params = sum(p.numel() for p in model.parameters()) / 1e6
    all_prompts = prompts(args, tokenizer)
    lengths = sorted(map(len, all_prompts))
    print(f"model   : {args.model}, {params:.1f}M parameters, random weights, float32")
    median, longest = lengths[len(lengths) // 2], lengths[-1]
    print(f"prompts : {len(all_prompts)}, median {median} tokens, max {longest}; "
          f"{args.max_new_tokens} new tokens, {args.num_samples} per prompt")  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        model.save_pretrained(Path(work) / "hf")
        tokenizer.save_pretrained(Path(work) / "hf")
        ct2_dir = convert_causal_to_ct2(Path(work) / "hf", Path(work) / "ct2")
        print(f"convert : {time.perf_counter() - start:.1f} s (save_pretrained + CTranslate2)")
        generators = {
            kind: ctranslate2.Generator(str(ct2_dir), compute_type=kind, intra_threads=threads)
            for kind in ("float32", "int8")
        }
        run(model, tokenizer, generators, all_prompts, args)
    print(f"load    : {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min) at end")


def run(model, tokenizer, generators, all_prompts, args) -> None:
    ways = {"plain generate": lambda b, mode: hf_decode(model, b, mode, args)}
    for kind, generator in generators.items():
        ways[f"ct2 {kind}"] = lambda b, mode, g=generator: ct2_decode(g, tokenizer, b, mode, args)
    for decode in ways.values():  # warm-up: first calls allocate and initialise
        decode(all_prompts[:1], "beam")
    print(f"{'mode':<7}{'batch':>6}  {'method':<15}{'seconds':>9}{'speed-up':>10}{'same best':>11}")
    for mode in ("beam", "sample"):
        for batch_size in (1, 8):
            base, reference = 0.0, []
            for name, decode in ways.items():
                seconds, best = timed(lambda b, d=decode, m=mode: d(b, m), all_prompts, batch_size)
                if not reference:
                    base, reference = seconds, best
                same = sum(a == b for a, b in zip(best, reference))
                agree = f"{same}/{len(best)}" if mode == "beam" else "-"
                head = f"{mode:<7}{batch_size:>6}" if name == "plain generate" else " " * 13
                speed = f"{base / seconds:.2f}x"
                print(f"{head}  {name:<15}{seconds:>9.2f}{speed:>10}{agree:>11}")


if __name__ == "__main__":
    main()
