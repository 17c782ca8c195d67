"""Writes ``src/tacgen/demo_data/statements.jsonl``: the demo's theorems as a statements file.

The format of REPL-based benchmarks (DeepSeek-Prover-V1.5's ``minif2f.jsonl``): one object
a line with ``name``, ``split``, ``informal_prefix``, ``formal_statement`` (ending in
``:= by``) and ``header``. Every demo theorem with traced tactics gets a line, in split
order (train, val, test) and file order. ``name`` is the theorem's full name, as in the
split files, so results under ``--env repl`` and ``--env replay`` name theorems alike.

The statement is taken from ``demo_data/lean`` at the theorem's position, up to ``:= by``,
and declared as ``<full name>_repl`` (inside the theorem's namespace, so that the names it
uses resolve as in the file, and beside the original that ``import TacgenDemo`` brings).

Usage: ``python scripts/build_demo_statements.py`` (deterministic output).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "src" / "tacgen" / "demo_data"
HEADER = "import TacgenDemo\n\nuniverse u"


def statement(full_name: str, file_path: str, start: list[int]) -> str:
    lines = (DEMO / "lean" / file_path).read_text(encoding="utf-8").splitlines()
    text = "\n".join(lines[start[0] - 1 :])[start[1] - 1 :]
    end = text.index(":= by")
    declaration = text[: end + len(":= by")]
    match = re.match(r"(theorem|lemma)\s+(\S+)", declaration)
    assert match is not None and full_name.endswith(match.group(2)), (full_name, declaration)
    return f"theorem {full_name}_repl" + declaration[match.end() :]


def main() -> None:
    rows = []
    for split in ("train", "val", "test"):
        for theorem in json.loads((DEMO / "random" / f"{split}.json").read_text("utf-8")):
            if not theorem["traced_tactics"]:
                continue
            formal = statement(theorem["full_name"], theorem["file_path"], theorem["start"])
            rows.append(
                {
                    "name": theorem["full_name"],
                    "split": split,
                    "informal_prefix": "",
                    "formal_statement": formal,
                    "goal": theorem["traced_tactics"][0]["state_before"],
                    "header": HEADER,
                }
            )
    out = DEMO / "statements.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    print(f"{out}: {len(rows)} statements")


if __name__ == "__main__":
    main()
