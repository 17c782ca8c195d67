"""Held-out folds of a training split, for choosing search settings without the test split.

Writes ``OUT/fold<i>/{train,val,test}.json`` for the first ``--folds`` of ``--k`` folds: a
seeded random ``k``-th of the split's theorems is held out as ``val.json`` (and, so that the
folder is a complete split folder, also as ``test.json``), the rest is ``train.json``. Train
a model on a fold with ``tacgen fit --data.data_path OUT/fold<i>`` and compare search
variants on its held-out theorems with ``benchmarks/bench_prove.py --data OUT/fold<i>/val.json
--train OUT/fold<i>/train.json``; the test split is looked at once, with the chosen settings.

    python benchmarks/make_folds.py --split tacgen:demo/random/train.json --out /tmp/folds
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from tacgen.core.paths import resolve_data_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="tacgen:demo/random/train.json", help="a split file")
    parser.add_argument("--out", required=True, help="folder for fold0/, fold1/, ...")
    parser.add_argument("--k", type=int, default=4, help="held out: 1/k of the theorems")
    parser.add_argument("--folds", type=int, default=2, help="how many of the k folds to write")
    parser.add_argument("--seed", type=int, default=18, help="the shuffle's seed")
    args = parser.parse_args()
    theorems = json.loads(resolve_data_path(args.split).read_text(encoding="utf-8"))
    order = list(range(len(theorems)))
    random.Random(args.seed).shuffle(order)
    for fold in range(min(args.folds, args.k)):
        held = set(order[fold :: args.k])
        folder = Path(args.out) / f"fold{fold}"
        folder.mkdir(parents=True, exist_ok=True)
        train = [t for i, t in enumerate(theorems) if i not in held]
        held_out = [t for i, t in enumerate(theorems) if i in held]
        for name, rows in (("train", train), ("val", held_out), ("test", held_out)):
            (folder / f"{name}.json").write_text(json.dumps(rows), encoding="utf-8")
        print(f"{folder}: {len(train)} theorems to train on, {len(held_out)} held out")


if __name__ == "__main__":
    main()
