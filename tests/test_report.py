"""``tacgen report``: the HTML is parsed back and its numbers checked against the results
files they came from (and against hand-computed values)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tacgen.cli import main
from tacgen.prover.report import wilson_interval

pytest.importorskip("matplotlib")


def row(name: str, status: str, seconds: float, expansions: int, *proof: str) -> dict[str, Any]:
    return {
        "full_name": name, "file_path": "F.lean", "status": status, "proof": list(proof),
        "expansions": expansions, "seconds": seconds, "generator_seconds": seconds / 2,
        "env_seconds": seconds / 4, "tactic_errors": 0, "error": None, "env": "replay",
    }  # fmt: skip


A = [
    row("t1", "proved", 1.5, 2, "simp"),
    row("t2", "proved", 3.0, 5, "intro h", "exact h"),
    row("t3", "failed", 9.0, 20),
    row("t4", "env_error", 0.1, 0),
    row("t5", "timeout", 10.0, 30),
]
B = [
    row("t1", "proved", 0.5, 1, "rfl"),
    row("t2", "failed", 3.0, 5),
    row("t3", "proved", 4.0, 8, "omega"),
    row("t4", "proved", 0.3, 1, "simp"),
    row("t5", "timeout", 10.0, 30),
]


class Cells(HTMLParser):
    """Collects every element's attributes and text, and where each ``data-key`` sits."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, Any]] = []
        self.elements: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": list(self.stack)}
        self.elements.append(element)
        if tag not in ("br", "meta", "img", "path", "use"):
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element["text"] += data

    def keyed(self, key: str, **within: str) -> list[str]:
        """Texts of the elements with ``data-key=key`` inside an element with these attrs."""
        found = []
        for element in self.elements:
            if element["attrs"].get("data-key") != key:
                continue
            if all(
                any(p["attrs"].get(k) == v for p in element["parents"]) for k, v in within.items()
            ):
                found.append(element["text"].strip())
        return found


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, Cells, str]:
    a, b = write(tmp_path / "a.jsonl", A), write(tmp_path / "b.jsonl", B)
    out = tmp_path / "report.html"
    assert main(["report", str(a), str(b), "--names", "model,library", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    cells = Cells()
    cells.feed(html)
    return html, cells, capsys.readouterr().out


def test_wilson_interval_matches_hand_computed_values() -> None:
    # p = 5/8: centre (0.625 + 1.92/8) / 1.48, half-width 1.96 * 0.2105 / 1.48.
    assert wilson_interval(5, 8) == pytest.approx((0.3057, 0.8632), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 0.0)


def test_summary_numbers_are_the_results_files(report: tuple[str, Cells, str]) -> None:
    _, cells, out = report
    # A: 2 proved of 4 attempted (env_error is not attempted); B: 3 of 5.
    assert cells.keyed("proved_attempted", **{"data-run": "model"}) == ["2/4"]
    assert cells.keyed("pass_at_1", **{"data-run": "model"}) == ["0.500"]
    assert cells.keyed("interval", **{"data-run": "model"}) == ["[0.150, 0.850]"]
    assert cells.keyed("proved_attempted", **{"data-run": "library"}) == ["3/5"]
    assert cells.keyed("pass_at_1", **{"data-run": "library"}) == ["0.600"]
    for name, rows in (("model", A), ("library", B)):
        for status in ("proved", "failed", "timeout", "env_error"):
            expected = str(sum(r["status"] == status for r in rows))
            assert cells.keyed(status, **{"data-run": name}) == [expected], (name, status)
    assert "model: Pass@1 2/4 = 0.500 [0.150, 0.850]" in out


def test_comparison_and_tables(report: tuple[str, Cells, str]) -> None:
    html, cells, _ = report
    within = {"data-first": "model", "data-second": "library"}
    assert cells.keyed("only_first", **within) == ["1"]  # t2
    assert cells.keyed("only_second", **within) == ["2"]  # t3, t4
    assert cells.keyed("both", **within) == ["1"]  # t1
    tables = [e for e in cells.elements if "theorems" in e["attrs"].get("class", "")]
    assert [t["attrs"]["data-run"] for t in tables] == ["model", "library"]
    rows = [e for e in cells.elements if e["tag"] == "tr" and tables[0] in e["parents"]]
    assert len(rows) == 1 + len(A)  # header + one per theorem
    assert "intro h; exact h" in html


def test_self_contained_with_two_curves(report: tuple[str, Cells, str]) -> None:
    html, cells, _ = report
    figures = [e["attrs"]["data-curve"] for e in cells.elements if e["tag"] == "figure"]
    assert figures == ["seconds", "expansions"]
    assert html.count("<svg") == 2
    assert not [e for e in cells.elements if e["tag"] in ("link", "img") or "src" in e["attrs"]]


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
    assert "no results file" in capsys.readouterr().err
    a = write(tmp_path / "a.jsonl", A)
    assert main(["report", str(a), "--names", "x,y"]) == 2
    assert "--names has 2 labels for 1 files" in capsys.readouterr().err
    assert main(["report", str(a), str(a)]) == 2
    assert "same name" in capsys.readouterr().err
