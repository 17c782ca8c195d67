"""Loading + formatting a full-size split: tacgen vs json.load and per-example Python.

Usage::

    python benchmarks/bench_loading.py [--scale-mb 200] [--work-dir bench_data]

Builds a split of about ``--scale-mb`` MB (the size of LeanDojo Benchmark 4's
``random/train.json``) by replicating the real theorems of
``$TACGEN_DATA_DIR/minif2f-mathlib4-traced/random/{val,test}.json``, then times, each in a
fresh subprocess so peak memory is measured alone:

- ``baseline``: ``json.load`` and ReProver-style per-example formatting (regexes, a list
  of dicts), written here as the straightforward implementation;
- ``tacgen``: ``load_split`` with the cache off (numpy element scan + orjson per theorem);
- ``tacgen-store``: first load that also writes the cache;
- ``tacgen-cached``: a second load of the same split from the cache.

Every method's rows are hashed and must agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data"))


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would
    # report its parent's peak.
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _baseline(path: Path) -> list[tuple[str, str, str, str]]:
    goals = re.compile(r"\d+ goals")
    mark = re.compile(r"<a>(?P<ident>.+?)</a>")

    def format_state(s: str) -> str:
        m = goals.match(s)
        return s[m.end() :].strip() if m else s

    def format_tactic(text: str, provenances: list[dict], normalize: bool) -> str:
        if normalize:
            text = re.sub(r"\s+", " ", text).strip()
        if not provenances:
            return text
        out, last = "", 0
        matches = list(mark.finditer(text))
        assert len(matches) == len(provenances)
        for m, prov in zip(matches, provenances):
            out += text[last : m.start()] + "<a>" + prov["full_name"] + "</a>"
            last = m.end()
        return out + text[last:]

    with open(path) as handle:
        theorems = json.load(handle)
    data = []
    for thm in theorems:
        for tac in thm["traced_tactics"]:
            if "annotated_tactic" in tac:
                tactic = format_tactic(*tac["annotated_tactic"], True)
            else:
                tactic = format_tactic(tac["tactic"], [], True)
            data.append(
                {
                    "url": thm["url"],
                    "commit": thm["commit"],
                    "file_path": thm["file_path"],
                    "full_name": thm["full_name"],
                    "start": thm["start"],
                    "state": format_state(tac["state_before"]),
                    "tactic": tactic,
                }
            )
    return [(d["file_path"], d["full_name"], d["state"], d["tactic"]) for d in data]


def _digest(rows) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps(list(row), ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()[:16]


def _child(method: str, path: Path, cache_dir: Path) -> None:
    from tacgen.data.benchmark import FormatOptions
    from tacgen.data.cache import load_split

    before = _rss_mb()
    start_pss = _tree_pss_mb(os.getpid())
    start = time.perf_counter()
    if method == "baseline":
        result = _baseline(path)
        seconds = time.perf_counter() - start
        peak = _peak_mb() - before
        rows = result
    else:
        use_cache = method != "tacgen"
        table, _ = load_split(path, FormatOptions(), cache_dir=cache_dir, use_cache=use_cache)
        seconds = time.perf_counter() - start
        peak = _peak_mb() - before
        rows = ((ex.file_path, ex.full_name, ex.state, ex.tactic) for ex in table)
    result = {"seconds": seconds, "peak_mb": peak, "digest": _digest(rows)}
    print(json.dumps({**result, "start_pss_mb": start_pss}))


def build_input(work_dir: Path, scale_mb: int) -> Path:
    """Replicates the real theorems into one split of about ``scale_mb`` MB."""
    out = work_dir / f"train-{scale_mb}mb.json"
    if out.exists():
        return out
    source = DATA_DIR / "minif2f-mathlib4-traced" / "random"
    elements = []
    for name in ("val.json", "test.json"):
        elements += [
            json.dumps(t, ensure_ascii=False) for t in json.loads((source / name).read_text())
        ]
    chunk = ",\n".join(elements)
    copies = max(1, round(scale_mb * 2**20 / len(chunk.encode())))
    work_dir.mkdir(parents=True, exist_ok=True)
    out.write_text("[" + ",\n".join([chunk] * copies) + "]")
    return out


def _tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants: shared (copy-on-write)
    pages are split between the processes that map them, so forked workers count once."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack += [int(child) for child in handle.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def _run_child(method: str, path: Path, cache_dir: Path, workers: int, sample: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--input", str(path)]
    cmd += ["--cache-dir", str(cache_dir)]
    env = {**os.environ, "TACGEN_LOAD_WORKERS": str(workers)}
    if method == "tacgen-store":  # a first load: start without a cache
        subprocess.run(["rm", "-rf", str(cache_dir)], check=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    peak = 0.0
    while sample and proc.poll() is None:
        peak = max(peak, _tree_pss_mb(proc.pid))
        time.sleep(0.02)
    out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"{method} failed with status {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_peak_mb"] = peak - result["start_pss_mb"]
    return result


def _run(method: str, path: Path, cache_dir: Path, workers: int) -> dict:
    """Times a method in one run and samples its memory in another: reading
    ``smaps_rollup`` walks the child's page tables, which on 2 cores slows the child."""
    if method == "tacgen-cached":  # needs the cache the store run wrote; nothing to slow
        return _run_child(method, path, cache_dir, workers, sample=True)
    timed = _run_child(method, path, cache_dir, workers, sample=False)
    sampled = _run_child(method, path, cache_dir, workers, sample=True)
    return {**timed, "tree_peak_mb": sampled["tree_peak_mb"]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale-mb", type=int, default=200)
    parser.add_argument("--work-dir", type=Path, default=REPO / "bench_data")
    parser.add_argument("--workers", type=int, default=2, help="processes for tacgen's parse")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.input, args.cache_dir)
        return
    path = build_input(args.work_dir, args.scale_mb)
    cache_dir = args.work_dir / "cache"
    subprocess.run(["rm", "-rf", str(cache_dir)], check=True)
    print(
        f"command : python benchmarks/bench_loading.py --scale-mb {args.scale_mb} "
        f"--workers {args.workers}"
    )
    machine = f"{platform.platform()} | {os.cpu_count()} CPUs"
    print(f"machine : {machine} | python {platform.python_version()}")
    size = path.stat().st_size
    print(f"input   : {path.name}, {size / 2**20:.0f} MB")
    runs = [("baseline", "baseline", 1), ("tacgen, 1 process", "tacgen", 1)]
    runs += [(f"tacgen, {args.workers} processes", "tacgen", args.workers)]
    runs += [
        ("tacgen + store", "tacgen-store", args.workers),
        ("tacgen cached", "tacgen-cached", 1),
    ]
    results = {label: _run(method, path, cache_dir, workers) for label, method, workers in runs}
    base = results["baseline"]
    print(
        f"{'method':<22} {'seconds':>8} {'speed-up':>9} {'peak MB':>8} {'memory':>7}  rows digest"
    )
    for label, r in results.items():
        print(
            f"{label:<22} {r['seconds']:8.3f} {base['seconds'] / r['seconds']:8.1f}x "
            f"{r['tree_peak_mb']:8.0f} {r['tree_peak_mb'] / base['tree_peak_mb']:7.2f}  "
            f"{r['digest']}"
        )
    print("peak MB: the largest proportional set size (PSS) of the process and its workers,")
    print("sampled every 20 ms, above what it held after imports; memory = ratio to baseline;")
    print("seconds come from a separate run of each method without the memory sampler")
    same = len({r["digest"] for r in results.values()}) == 1
    print(f"all methods produce the same rows: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
