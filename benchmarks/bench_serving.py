"""Server throughput: dynamic batching vs answering one request at a time.

Usage::

    python benchmarks/bench_serving.py [--ckpt runs/demo/checkpoints/last.ckpt]
        [--clients 32] [--requests 256] [--num-samples 8] [--backend torch|ct2]

Starts ``tacgen serve`` twice on a free loopback port, with the same model: once with
``--max-batch-size 1`` (each request decoded alone, as Lean Copilot's Python server does) and
once with dynamic batching (``--max-batch-size`` = ``--clients``). Each time ``--clients``
threads send ``--requests`` Lean Copilot ``POST /generate`` requests in all (real states of
``minif2f-mathlib4-traced/random/test.json``, ``--num-samples`` beams each). Prints states
per second, latency p50/p99 and the throughput ratio. Without ``--ckpt`` the model is the
``tiny`` architecture with random weights, exported to a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def _start(ckpt: str, args: argparse.Namespace, batch: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [
        sys.executable, "-m", "tacgen.cli", "serve", "--ckpt", ckpt, "--port", str(port),
        "--device", "cpu", "--backend", args.backend, "--num-samples", str(args.num_samples),
        "--max-batch-size", str(batch), "--max-wait-ms", str(args.max_wait_ms),
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=5):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


def _load(url: str, states: list[str], clients: int) -> tuple[float, list[float]]:
    """Wall seconds and per-request latencies of sending every state once."""
    work = list(enumerate(states))
    lock = threading.Lock()
    latencies: list[float] = []

    def client() -> None:
        while True:
            with lock:
                if not work:
                    return
                _, state = work.pop()
            start = time.perf_counter()
            _post(url + "/generate", {"name": "tacgen", "input": state})
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ckpt", help="a trained generator; random tiny weights otherwise")
    parser.add_argument("--backend", choices=("torch", "ct2"), default="torch")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--num-samples", type=int, default=8)
    parser.add_argument("--max-wait-ms", type=float, default=10.0)
    args = parser.parse_args()
    theorems = json.loads((DATA_DIR / "minif2f-mathlib4-traced/random/test.json").read_bytes())
    states = [t["state_before"] for th in theorems for t in th["traced_tactics"]]
    states = states[: args.requests]
    print(f"command : python benchmarks/bench_serving.py {' '.join(sys.argv[1:])}")
    print(f"machine : {platform.platform()} | {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.ckpt
        if ckpt is None:
            import torch

            from tacgen.generator.module import RetrievalAugmentedGenerator

            torch.manual_seed(0)
            model = RetrievalAugmentedGenerator("tiny", max_output_length=32)
            ckpt = str(model.export(Path(tmp) / "hf"))
        os.environ["TACGEN_CACHE_DIR"] = str(Path(tmp) / "cache")
        rows = {}
        for name, batch in (("one at a time", 1), ("dynamic batching", args.clients)):
            process, url = _start(ckpt, args, batch)
            try:
                _load(url, states[: args.clients], args.clients)  # warm-up
                seconds, latencies = _load(url, states, args.clients)
                with urllib.request.urlopen(url + "/health") as response:
                    batches = json.loads(response.read())["batches"]
            finally:
                process.terminate()
                process.wait()
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
            rows[name] = (seconds, statistics.median(latencies), p99, batches)
    print(
        f"requests: {len(states)} from {args.clients} concurrent clients, {args.num_samples} beams"
    )
    print(f"{'server':<18} {'seconds':>8} {'states/s':>9} {'p50 s':>7} {'p99 s':>7} {'batches':>8}")
    for name, (seconds, p50, p99, batches) in rows.items():
        print(
            f"{name:<18} {seconds:8.2f} {len(states) / seconds:9.2f} {p50:7.2f} {p99:7.2f} "
            f"{batches:8d}"
        )
    ratio = rows["one at a time"][0] / rows["dynamic batching"][0]
    print(f"throughput ratio (batching / one at a time): {ratio:.2f}x")


if __name__ == "__main__":
    main()
