"""``tacgen serve``: a generator behind Lean Copilot's HTTP API and tacgen's own."""

from __future__ import annotations

import argparse
import logging
import socket

from tacgen.cli import CommandParser, int_at_least
from tacgen.cli.common import add_model_arguments, load_from_args
from tacgen.core.errors import UsageError
from tacgen.generator.options import check_num_samples

logger = logging.getLogger("tacgen.serve")


def _parser() -> argparse.ArgumentParser:
    p = CommandParser(
        prog="tacgen serve",
        description="Serve a tactic generator over HTTP: Lean Copilot's external-model API "
        "(POST /generate, POST /encode), tacgen's POST /v1/generate (for RemoteGenerator and "
        "proof search) and GET /health. Concurrent requests share decoding batches.",
    )
    add_model_arguments(p, "a .ckpt, an exported (hf or ct2) directory, or a ReProver-layout one")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    p.add_argument("--port", type=int, default=23337, help="port (Lean Copilot's default 23337)")
    p.add_argument(
        "--num-samples", type=int, default=32, help="beams per Lean Copilot /generate request"
    )
    p.add_argument(
        "--max-batch-size", type=int_at_least(1), default=16, help="queries decoded together"
    )
    p.add_argument(
        "--max-wait-ms", type=float, default=5.0, help="how long a query waits for a batch"
    )
    p.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        help="uvicorn's log level",
    )
    return p


def _check_address(host: str, port: int) -> None:
    """Refuses, in one line, an address that cannot be bound (unknown host, port in use)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise UsageError(f"--host {host}: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def serve(name: str, argv: list[str]) -> int:
    """``tacgen serve``: loads the generator, then serves until SIGINT or SIGTERM.

    On SIGTERM the server stops accepting connections and lets requests in flight finish.
    """
    args = _parser().parse_args(argv)
    check_num_samples(args.num_samples, "--num-samples")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be in [1, 65535], got {args.port}")
    if args.max_wait_ms < 0:
        raise UsageError(f"--max-wait-ms must be >= 0, got {args.max_wait_ms}")
    _check_address(args.host, args.port)  # before minutes of model loading
    import uvicorn

    from tacgen.serving.app import create_app

    generator = load_from_args(args)
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
