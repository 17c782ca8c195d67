"""Single-query retrieval: the exact float32 search vs approximate (ANN) indexes, one run.

Usage::

    OMP_NUM_THREADS=2 python benchmarks/bench_ann.py [--premises 180000] [--dim 1472]
        [--data topics|lowrank|random] [--queries 500] [-k 10 100] [--variants NAME ...]
        [--knobs N ...] [--proxy-mix 3] [--proxy-noise 1.0] [--calibration-queries 500]

Builds ``bench_retrieval``'s synthetic corpus (``--premises`` premises over ``--files``
files, a random import DAG) for accessibility, queries at random (file, position) as
``bench_retrieval`` does, and unit embeddings of width ``--dim``:

- ``topics`` (default): Gaussian latents of rank 96, gathered around their file's topic,
  which is gathered around one of 40 areas, projected to ``--dim`` plus isotropic noise
  (20% of the energy); a query is the sum of three of its accessible premises' latents plus
  noise (25%). Premises of one area are alike, as in a library of mathematics;
- ``lowrank``: the same without areas or files (one Gaussian of rank 96): no clusters;
- ``random``: isotropic Gaussian premises and queries, where no index can beat a scan (the
  nearest neighbours are barely nearer than the rest).

Every query goes through tacgen's :class:`AccessibleSearch` alone (batch of 1): the
approximate index is asked for ``max(4k, 64)`` candidates (faiss indexes filter by the
accessible set's bitmap while searching; usearch has no such filter in Python), the
candidates are filtered by accessibility, and the exact search over the accessible premises
answers the queries where fewer than k survive (``fallback``) or where no more premises are
accessible than candidates would be fetched (``direct``). Reported per variant and search
setting: p50/p99 latency per query, Recall@10 against the exact float32 *accessible*
top-10, the fallback and direct rates, the index's memory (resident-set growth of a fresh
process that loads the file) and disk size as fractions of the float32 matrix, and build
time. Searches run one query at a time (faiss uses one thread for a single query); builds
use ``OMP_NUM_THREADS`` threads (faiss) or all cores (usearch).

``tacgen-calibrated`` is the index ``tacgen index`` writes: built, then calibrated
(:func:`tacgen.retrieval.calibrate.calibrate`, on proxy queries made from the premise
embeddings, never from the benchmark's queries) for each ``--proxy-mix`` x
``--proxy-noise``; a ``calibration`` line gives the chosen ``nprobe``, the proxies' recall
curve and timings, and the variant is then measured on the real queries at each chosen
``nprobe``. ``--knobs`` replaces the other variants' search settings.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench_retrieval import write_corpus
from machine import cpu_model
from tacgen.data.corpus import AccessibleSet, Corpus
from tacgen.retrieval.ann import AnnSettings, AnnStamp, build_ann, load_ann, save_ann
from tacgen.retrieval.ann_faiss import FaissIVFSearcher, premise_mask
from tacgen.retrieval.calibrate import CalibrationSettings, calibrate
from tacgen.retrieval.exact import ExactSearcher
from tacgen.retrieval.searcher import AccessibleSearch, SearchSettings

RANK = 96
"""Latent dimension of the structured embeddings."""
AREAS = 40
"""Areas (of mathematics) whose files' topics the ``topics`` embeddings gather around."""
STAMP = AnnStamp("0" * 64, 0, 0, {})
"""What the benchmark's tacgen index files are stamped with (set once the data exist)."""


def embeddings(
    kind: str, corpus: Corpus, dim: int, access: list[AccessibleSet], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(premises, dim) and (queries, dim) float32 unit vectors (see the module doc)."""
    n, queries = len(corpus), len(access)
    if kind == "random":
        e = rng.standard_normal((n, dim), dtype=np.float32)
        q = rng.standard_normal((queries, dim), dtype=np.float32)
    else:
        latent = rng.standard_normal((n, RANK), dtype=np.float32)  # (premises, rank)
        if kind == "topics":  # areas -> files -> premises, each a Gaussian around the last
            areas = rng.standard_normal((AREAS, RANK), dtype=np.float32)  # (areas, rank)
            files = len(corpus.files)
            topic = areas[rng.integers(0, AREAS, size=files)]  # (files, rank)
            topic += 0.6 * rng.standard_normal((files, RANK), dtype=np.float32)
            latent = topic[corpus.premise_file] + 0.6 * latent
        proj = rng.standard_normal((RANK, dim), dtype=np.float32)  # (rank, dim)
        e = latent @ proj  # (premises, dim)
        e += 0.5 * np.sqrt(RANK) * rng.standard_normal((n, dim), dtype=np.float32)
        used = np.stack([rng.choice(a.indices(), size=3) for a in access])  # (queries, 3)
        q = latent[used].sum(axis=1) @ proj  # (queries, dim): the premises a proof uses
        q += np.sqrt(RANK) * rng.standard_normal((queries, dim), dtype=np.float32)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return e, q


_LOAD = """
import sys
def rss():
    with open("/proc/self/status") as status:
        return int(next(x for x in status if x.startswith("VmRSS:")).split()[1]) * 1024
if sys.argv[1].startswith("tacgen"):
    from tacgen.retrieval.ann import AnnStamp, load_ann, _read_header
    header, _ = _read_header(__import__("pathlib").Path(sys.argv[2]))
    stamp = AnnStamp(header["corpus_fingerprint"], header["num_premises"], header["dim"], {})
    import faiss
    before = rss()
    index = load_ann(sys.argv[2], stamp)
elif sys.argv[1].startswith("faiss"):
    import faiss
    before = rss()
    index = faiss.read_index(sys.argv[2], faiss.IO_FLAG_MMAP_IFC if "refine" in sys.argv[1] else 0)
else:
    from usearch.index import Index
    before = rss()
    index = Index.restore(sys.argv[2])
print(rss() - before)
"""


def loaded_rss(name: str, path: Path) -> int:
    """Resident-set growth of a fresh process that loads the index file (its memory)."""
    out = subprocess.run(
        [sys.executable, "-c", _LOAD, name, str(path)], check=True, capture_output=True, text=True
    )
    return int(out.stdout.split()[-1])


class Variant:
    """An ANN index under test: builds, saves, loads, searches one query at a time."""

    exact = False

    def __init__(self, name: str, build: Callable[[np.ndarray], Any], knobs: list[int]):
        self.name, self._build, self.knobs = name, build, knobs
        self.index: Any = None
        self.knob = knobs[0] if knobs else 0
        self.built_s = 0.0

    def build(self, e: np.ndarray) -> None:
        start = time.perf_counter()
        self.index = self._build(e)
        self.built_s = time.perf_counter() - start

    @property
    def tacgen(self) -> bool:
        """Whether this variant is tacgen's own ANN index (built, saved, searched by it)."""
        return isinstance(self.index, FaissIVFSearcher)

    def save(self, path: Path) -> None:
        if self.tacgen:
            save_ann(path, self.index, self.index.settings, STAMP)
        elif self.name.startswith("faiss"):
            import faiss

            faiss.write_index(self.index, str(path))
        else:
            self.index.save(str(path))

    def load(self, path: Path) -> None:
        if self.name.startswith("tacgen"):
            self.index = load_ann(path, STAMP)
        elif self.name.startswith("faiss"):
            import faiss

            flags = faiss.IO_FLAG_MMAP_IFC if "refine" in self.name else 0
            self.index = faiss.read_index(str(path), flags)
        else:
            from usearch.index import Index

            self.index = Index.restore(str(path))

    def search(
        self, queries: np.ndarray, k: int, allowed: list[AccessibleSet] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.tacgen:
            self.index.settings = replace(self.index.settings, nprobe=self.knob)
            return self.index.search(queries, k, allowed)  # type: ignore[no-any-return]
        if self.name.startswith("faiss"):
            return self._faiss(queries, k, allowed)
        self.index.expansion_search = max(self.knob, k)  # usearch: no bitmap filter
        found = self.index.search(queries, k, threads=1)
        keys = np.asarray(found.keys, dtype=np.int64).reshape(len(queries), -1)
        dist = np.asarray(found.distances, dtype=np.float32).reshape(len(queries), -1)
        return keys, 1.0 - dist  # usearch's "ip" distance is 1 - dot

    def _faiss(
        self, queries: np.ndarray, k: int, allowed: list[AccessibleSet] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        # One query at a time, filtered by the accessible set as tacgen's index is.
        import faiss

        ids = np.full((len(queries), k), -1, dtype=np.int64)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        for i in range(len(queries)):
            sel = None
            if allowed is not None:
                bits = np.packbits(premise_mask(allowed[i]), bitorder="little")
                sel = faiss.IDSelectorBitmap(self.index.ntotal, faiss.swig_ptr(bits))
            params: Any
            if "refine" in self.name:
                base = faiss.SearchParametersIVF(nprobe=self.knob, sel=sel)
                params = faiss.IndexRefineSearchParameters(k_factor=REFINE, base_index_params=base)
            elif "ivf" in self.name:
                params = faiss.SearchParametersIVF(nprobe=self.knob, sel=sel)
            else:
                params = faiss.SearchParametersHNSW(efSearch=max(self.knob, k), sel=sel)
            d, found = self.index.search(queries[i : i + 1], k, params=params)
            ids[i], scores[i] = found[0], np.where(found[0] >= 0, d[0], -np.inf)
        return ids, scores


def tacgen_ivf(nlist: int) -> Callable[[np.ndarray], Any]:
    return lambda e: build_ann(e, AnnSettings(nlist=nlist))


def faiss_hnsw(m: int, quantizer: str) -> Callable[[np.ndarray], Any]:
    def build(e: np.ndarray) -> Any:
        import faiss

        qtype = getattr(faiss.ScalarQuantizer, quantizer)
        index = faiss.IndexHNSWSQ(e.shape[1], qtype, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.train(e)
        index.add(e)
        return index

    return build


def usearch_hnsw(dtype: str, m: int) -> Callable[[np.ndarray], Any]:
    def build(e: np.ndarray) -> Any:
        from usearch.index import Index

        index = Index(ndim=e.shape[1], metric="ip", dtype=dtype, connectivity=m,
                      expansion_add=80)  # fmt: skip
        index.add(np.arange(len(e)), e, threads=os.cpu_count() or 1)
        return index

    return build


def faiss_ivf_refine(nlist: int) -> Callable[[np.ndarray], Any]:
    """IVF-SQ8 whose candidates are re-ranked by float32 dot products (``IndexRefineFlat``;
    the float32 rows are memory-mapped when loaded, ``IO_FLAG_MMAP_IFC``)."""

    def build(e: np.ndarray) -> Any:
        import faiss

        cells = faiss.IndexFlatIP(e.shape[1])
        base = faiss.IndexIVFScalarQuantizer(
            cells, e.shape[1], nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        sample = np.random.default_rng(0).permutation(len(e))[: 64 * nlist]
        base.train(e[np.sort(sample)])
        index = faiss.IndexRefineFlat(base)
        index.add(e)
        return index

    return build


VARIANTS: dict[str, tuple[Callable[[np.ndarray], Any], list[int]]] = {
    "tacgen-calibrated": (tacgen_ivf(1024), []),
    "tacgen-faiss-ivf1024-sq8": (tacgen_ivf(1024), [16, 32, 64, 128]),
    "tacgen-faiss-ivf2048-sq8": (tacgen_ivf(2048), [512, 1024, 2048]),
    "faiss-ivf1024-sq8-refine": (faiss_ivf_refine(1024), [256, 512, 1024]),
    "faiss-hnsw16-sq8": (faiss_hnsw(16, "QT_8bit"), [128, 256, 512, 1024]),
    "usearch-hnsw32-i8": (usearch_hnsw("i8", 32), [128, 256, 512, 1024]),
    "usearch-hnsw16-f16": (usearch_hnsw("f16", 16), [128, 256, 512]),
}
"""Name -> (builder, search knobs: efSearch for HNSW, nprobe for IVF). ``tacgen-*`` is
tacgen's own index (:func:`build_ann`, :func:`save_ann`, :func:`load_ann`, its search);
the others call their library directly (faiss ones filter by the same bitmap).
``tacgen-calibrated`` is searched at the ``nprobe`` that :func:`calibrate` chooses on proxy
queries (for each ``--proxy-noise``); the refine variant fetches ``REFINE`` times the
candidates from the IVF lists and re-ranks them in float32."""

REFINE = 4
"""``k_factor`` of the refine variant: candidates re-ranked per wanted premise."""


def measure(
    search: AccessibleSearch, q: np.ndarray, access: list[AccessibleSet], k: int,
    truth: np.ndarray,
) -> dict[str, float]:  # fmt: skip
    """Single-query latencies, Recall@10 against ``truth`` and the fallback rate."""
    times, found = [], []
    search.search(q[:1], k, access[:1])  # warm-up
    search.stats.queries = search.stats.fallbacks = search.stats.direct = 0
    for i in range(len(q)):
        start = time.perf_counter()
        ids, _ = search.search(q[i : i + 1], k, access[i : i + 1])
        times.append(time.perf_counter() - start)
        found.append(ids[0, :10])
    recall = np.mean([
        len(set(f[f >= 0].tolist()) & set(t[t >= 0].tolist())) / max(1, int((t >= 0).sum()))
        for f, t in zip(found, truth)
    ])  # fmt: skip
    return {
        "p50": float(np.percentile(times, 50) * 1e3),
        "p99": float(np.percentile(times, 99) * 1e3),
        "recall": float(recall),
        "fallback": search.stats.fallback_rate,
        "direct": search.stats.direct_rate,
    }


def machine() -> str:
    """CPU model, AVX-512, cores, load, library versions."""
    cpu = cpu_model()
    versions = []
    for lib in ("faiss", "usearch"):
        try:
            versions.append(f"{lib} {__import__(lib).__version__}")
        except ImportError:
            versions.append(f"{lib} absent")
    return (
        f"{platform.machine()} {cpu}, load average {os.getloadavg()[0]:.1f}, Python "
        f"{platform.python_version()}, numpy {np.__version__}, {', '.join(versions)}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--premises", type=int, default=180_000)
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--dim", type=int, default=1472)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--data", choices=("topics", "lowrank", "random"), default="topics")
    parser.add_argument("-k", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--knobs", type=int, nargs="+", help="override the variants' knobs")
    parser.add_argument("--proxy-noise", type=float, nargs="+", default=[1.0])
    parser.add_argument("--proxy-mix", type=int, nargs="+", default=[3])
    parser.add_argument("--calibration-queries", type=int, default=500)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        write_corpus(path, args.premises, args.files, rng)
        corpus = Corpus(path)
    files = rng.integers(0, len(corpus.files), size=args.queries)
    access = [
        corpus.accessible(corpus.files[f], (int(rng.integers(1, 3 * (hi - lo) + 3)), 1))
        for f, (lo, hi) in ((f, corpus.file_range(corpus.files[f])) for f in files)
    ]
    access = [a for a in access if len(a)]  # a theorem with nothing to retrieve
    e, q = embeddings(args.data, corpus, args.dim, access, rng)
    fraction = np.mean([len(a) / len(corpus) for a in access])
    global STAMP
    STAMP = AnnStamp("0" * 64, e.shape[0], e.shape[1], {})
    print(f"data: {args.data}, {e.shape[0]} x {e.shape[1]} float32 ({e.nbytes / 2**20:.0f} MiB), "
          f"{len(access)} queries, mean accessible fraction {fraction:.2f}")  # fmt: skip
    exact = ExactSearcher(torch.from_numpy(e))
    plain = AccessibleSearch(exact, premises=len(e))
    truths = {k: plain.search(q, k, access)[0][:, :10] for k in args.k}
    print(f"\n{'variant':<24} {'knob':>5} {'k':>4} {'p50 ms':>7} {'p99 ms':>7} {'R@10':>6} "
          f"{'fallback':>8} {'direct':>6} {'memory':>7} {'disk':>6} {'build s':>7}")  # fmt: skip
    for k in args.k:
        r = measure(plain, q, access, k, truths[k])
        print(f"{'exact (float32)':<24} {'-':>5} {k:>4} {r['p50']:>7.2f} {r['p99']:>7.2f} "
              f"{r['recall']:>6.3f} {'-':>8} {'-':>6} {1.0:>6.2f}x "
              f"{1.0:>5.2f}x {'-':>7}")  # fmt: skip
    for name in args.variants:
        variant = Variant(name, VARIANTS[name][0], args.knobs or VARIANTS[name][1])
        variant.build(e)
        if name == "tacgen-calibrated":
            variant.knobs = calibrated_knobs(variant, e, corpus, args)
        run_variant(variant, e, q, access, truths, args.k, Path(tempfile.gettempdir()))


def calibrated_knobs(
    variant: Variant, e: np.ndarray, corpus: Corpus, args: argparse.Namespace
) -> list[int]:
    """The ``nprobe`` that tacgen's calibration chooses for each ``--proxy-noise``."""
    chosen = []
    for noise, mix in ((n, m) for n in args.proxy_noise for m in args.proxy_mix):
        settings = CalibrationSettings(queries=args.calibration_queries, noise=noise, mix=mix)
        start = time.perf_counter()
        c = calibrate(variant.index, e, corpus, settings)
        curve = " ".join(f"{p}:{r:.3f}" for p, r in c.curve)
        print(f"calibration (proxy mix {mix}, noise {noise:g}, {c.queries} proxies, "
              f"{time.perf_counter() - start:.0f} s): nprobe {c.nprobe}, proxy R@10 "
              f"{c.recall:.3f}, ann {c.ann_ms:.2f} ms, exact {c.exact_ms:.2f} ms, use_exact "
              f"{c.use_exact}; curve {curve}", flush=True)  # fmt: skip
        chosen.append(c.nprobe)
    return sorted(set(chosen))


def run_variant(
    variant: Variant, e: np.ndarray, q: np.ndarray, access: list[AccessibleSet],
    truths: dict[int, np.ndarray], ks: list[int], tmp: Path,
) -> None:  # fmt: skip
    """Saves, reloads and measures one built variant at each of its knobs."""
    name, built_s = variant.name, variant.built_s
    path = tmp / f"bench_ann_{os.getpid()}_{name}.index"
    variant.save(path)
    disk = path.stat().st_size / e.nbytes
    variant.index = None
    gc.collect()
    memory = loaded_rss(name, path) / e.nbytes
    variant.load(path)
    path.unlink()
    search = AccessibleSearch(ExactSearcher(torch.from_numpy(e)), variant, SearchSettings(),
                              premises=len(e))  # fmt: skip
    for knob in variant.knobs:
        variant.knob = knob
        for k in ks:
            r = measure(search, q, access, k, truths[k])
            print(f"{name:<24} {knob:>5} {k:>4} {r['p50']:>7.2f} {r['p99']:>7.2f} "
                  f"{r['recall']:>6.3f} {r['fallback']:>8.3f} {r['direct']:>6.3f} "
                  f"{memory:>6.2f}x {disk:>5.2f}x {built_s:>7.0f}", flush=True)  # fmt: skip
    variant.index = None
    gc.collect()


if __name__ == "__main__":
    if "OMP_NUM_THREADS" not in os.environ:
        print("note: OMP_NUM_THREADS is unset (faiss builds on every core)", file=sys.stderr)
    subprocess.run(["uptime"], check=False)
    main()
