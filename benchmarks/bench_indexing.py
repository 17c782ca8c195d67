"""Indexing throughput: premises encoded per second by the tiny and byt5-small encoders.

Usage::

    python benchmarks/bench_indexing.py [--byt5-premises 128] [--batch-size 32]

Encodes the premises of the bundled demo corpus (their serializations, as ``tacgen index``
does) with ``PremiseRetriever.encode_texts``: all of them with the ``tiny`` encoder, the
first ``--byt5-premises`` with an encoder of google/byt5-small's shape (built from its
architecture config, random weights: throughput does not depend on the weights, and
nothing is downloaded). Each figure is the best of ``--repeats`` passes after a warm-up
batch. The demo premises are short (mean under 100 bytes); time grows with length.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch


def measure(model_name: str, texts: list[str], batch_size: int, repeats: int) -> None:
    """Prints premises/s and bytes/s of encoding ``texts`` with ``model_name``."""
    from tacgen.retrieval.dense import PremiseRetriever

    retriever = PremiseRetriever(model_name, max_input_length=1024)
    params = sum(p.numel() for p in retriever.encoder.parameters())
    retriever.encode_texts(texts[:batch_size], batch_size)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        embeddings = retriever.encode_texts(texts, batch_size)  # (premises, dim)
        best = min(best, time.perf_counter() - start)
    size = sum(len(t.encode("utf-8")) for t in texts)
    print(
        f"{model_name:<11} {params / 1e6:8.1f}M {embeddings.shape[1]:5d} {len(texts):9d} "
        f"{size / len(texts):6.0f} {best:9.2f} {len(texts) / best:11.1f} {size / best / 1e3:8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--byt5-premises", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from tacgen.core.paths import resolve_data_path
    from tacgen.data.corpus import Corpus

    corpus = Corpus(resolve_data_path("tacgen:demo/corpus.jsonl"))
    texts = [premise.serialize() for premise in corpus.premises]
    print(
        f"command : python benchmarks/bench_indexing.py --byt5-premises {args.byt5_premises} "
        f"--batch-size {args.batch_size} --repeats {args.repeats}"
    )
    print(
        f"machine : {platform.platform()} | {os.cpu_count()} CPUs | "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32"
    )
    header = f"{'encoder':<11} {'params':>9} {'dim':>5} {'premises':>9} {'bytes':>6}"
    print(f"{header} {'seconds':>9} {'premises/s':>11} {'kB/s':>8}")
    measure("tiny", texts, args.batch_size, args.repeats)
    measure("byt5-small", texts[: args.byt5_premises], args.batch_size, args.repeats)


if __name__ == "__main__":
    main()
