"""``tacgen download``: a LeanDojo Benchmark, resumable and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tacgen.cli import CommandParser
from tacgen.data.download import DATASETS, download


def _summary(folder: Path) -> list[str]:
    """What the extracted folder holds: splits, theorems per file, the corpus."""
    from tacgen.data.jsonscan import element_spans

    lines = []
    for split in sorted(p for p in folder.iterdir() if p.is_dir()):
        counts = []
        for name in ("train.json", "val.json", "test.json"):
            path = split / name
            if path.is_file():
                counts.append(f"{name} {len(element_spans(path.read_bytes()))}")
        if counts:
            lines.append(f"  {split.name}: " + ", ".join(counts) + " theorems")
    corpus = folder / "corpus.jsonl"
    if corpus.is_file():
        with open(corpus, "rb") as handle:
            files = sum(1 for line in handle if line.strip())
        lines.append(f"  corpus.jsonl: {files} Lean files, {corpus.stat().st_size / 1e6:.0f} MB")
    return lines


def run(name: str, argv: list[str]) -> int:
    """``tacgen download NAME [--out data/] [--url URL] [--md5 HEX]``."""
    p = CommandParser(
        prog="tacgen download",
        description="Download a dataset with a progress bar, resuming a partial download, "
        "check its MD5 before extracting, and extract it safely into --out.",
    )
    p.add_argument("dataset", choices=sorted(DATASETS), help="what to download")
    p.add_argument("--out", type=Path, default=Path("data"), help="target folder (default data/)")
    p.add_argument("--url", help="another source of the same archive")
    p.add_argument("--md5", help="the expected MD5 (default: the published one)")
    args = p.parse_args(argv)
    from tqdm import tqdm

    bars: list[Any] = []  # made at the first bytes: a refused URL prints no empty bar

    def progress(done: int, total: int | None) -> None:
        if not bars:
            bars.append(tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=args.dataset))
        bars[0].total = total
        bars[0].update(done - bars[0].n)

    try:
        folder = download(args.dataset, args.out, args.url, args.md5, progress)
    finally:
        for bar in bars:
            bar.close()
    print(f"extracted {folder}:")
    print("\n".join(_summary(folder)))
    split = folder / "random"
    print(f"next: tacgen fit --config configs/leandojo4-random.yaml --data.data_path {split}")
    return 0
