"""``tacgen serve``: a generator behind Lean Copilot's HTTP API and tacgen's own."""

from __future__ import annotations

import argparse
import logging

from tacgen.cli import setup_torch
from tacgen.cli.generate import add_ckpt_argument
from tacgen.core.errors import UsageError
from tacgen.generator.inference import BACKENDS
from tacgen.generator.options import MAX_NUM_SAMPLES

logger = logging.getLogger("tacgen.serve")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tacgen serve",
        description="Serve a tactic generator over HTTP: Lean Copilot's external-model API "
        "(POST /generate, POST /encode), tacgen's POST /v1/generate (for RemoteGenerator and "
        "proof search) and GET /health. Concurrent requests share decoding batches.",
    )
    add_ckpt_argument(p, "a .ckpt, an exported (hf or ct2) directory, or a ReProver-layout one")
    p.add_argument("--backend", choices=BACKENDS, default="torch", help="decoding backend")
    p.add_argument("--compute-type", help="ct2 compute type (int8 on CPU by default)")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    p.add_argument("--port", type=int, default=23337, help="port (Lean Copilot's default 23337)")
    p.add_argument(
        "--num-samples", type=int, default=32, help="beams per Lean Copilot /generate request"
    )
    p.add_argument("--max-batch-size", type=int, default=16, help="queries decoded together")
    p.add_argument(
        "--max-wait-ms", type=float, default=5.0, help="how long a query waits for a batch"
    )
    p.add_argument("--retriever-ckpt", help="a premise retriever checkpoint (retrieval, /encode)")
    p.add_argument("--retriever-index", help="its embeddings file from `tacgen index`")
    p.add_argument("--retriever-corpus", help="the corpus.jsonl to retrieve from")
    p.add_argument("--log-level", default="warning", help="uvicorn's log level")
    return p


def serve(name: str, argv: list[str]) -> int:
    """``tacgen serve``: loads the generator, then serves until SIGINT or SIGTERM.

    On SIGTERM the server stops accepting connections and lets requests in flight finish.
    """
    args = _parser().parse_args(argv)
    if not 1 <= args.num_samples <= MAX_NUM_SAMPLES:
        raise UsageError(f"--num-samples must be in [1, {MAX_NUM_SAMPLES}], got {args.num_samples}")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be in [1, 65535], got {args.port}")
    import uvicorn

    from tacgen.generator.inference import load_generator
    from tacgen.serving.app import create_app

    setup_torch()
    generator = load_generator(
        args.ckpt,
        device=args.device,
        backend=args.backend,
        compute_type=args.compute_type,
        retriever_ckpt=args.retriever_ckpt,
        retriever_corpus=args.retriever_corpus,
        retriever_index=args.retriever_index,
    )
    app = create_app(generator, args.ckpt, args.num_samples, args.max_batch_size, args.max_wait_ms)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=60,
    )
    where = f"http://{args.host}:{args.port}"
    backend = generator.backend
    logger.info("serving %s (%s on %s) at %s", args.ckpt, backend.name, backend.device, where)
    uvicorn.Server(config).run()
    return 0
