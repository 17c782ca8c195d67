"""``tacgen report``'s HTML: one self-contained file (inline CSS, JS and SVG) that opens
offline.

Sections: Pass@1 per run with its 95% Wilson interval and the counts per status; the
proved-vs-seconds and proved-vs-expansions curves (matplotlib, one line per run, inline
SVG); with two runs or more, what each pair proved alone and together; a sortable table
of every theorem per run; and for traced runs, each theorem's search tree, collapsible,
with the proof path highlighted. Numbers carry ``data-key`` attributes, so that tests and
scripts read them back.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from html import escape
from typing import Any

from tacgen.prover.report import (
    Comparison,
    Run,
    compare,
    proved_curve,
    summarize_run,
)
from tacgen.prover.results import STATUSES

MAX_TREE_NODES = 2000
"""Nodes drawn per search tree; a larger tree is cut, saying so."""

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f0f0f0;cursor:pointer}td.num{text-align:right}
.proved{color:#176e2c}.failed{color:#9a6700}.timeout{color:#8250df}.env_error{color:#cf222e}
code{font-size:90%}.proof>summary,.proof>.tactic{background:#dafbe1;font-weight:bold}
details{margin-left:1.2em}.edge{list-style:none;margin:2px 0}.muted{color:#777}
.curves{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}
"""

_JS = """
document.querySelectorAll('table.sortable th').forEach((th, col) => th.addEventListener(
 'click', () => {const body = th.closest('table').tBodies[0];
  const rows = Array.from(body.rows); const asc = th.dataset.asc !== '1';
  const value = r => {const c = r.cells[col]; const v = c.dataset.value ?? c.textContent;
   return isNaN(parseFloat(v)) ? v : parseFloat(v);};
  rows.sort((a, b) => {const x = value(a), y = value(b);
   return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);});
  th.dataset.asc = asc ? '1' : '0'; rows.forEach(r => body.appendChild(r));}));
"""


def render_report(runs: Sequence[Run], title: str = "tacgen proof search report") -> str:
    """The whole report as one HTML document.

    Args:
        runs: the results files, in the order to show them.
        title: the page's title.

    Returns:
        The HTML text.
    """
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>",
        f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>",
        _summary_table(runs),
        _curves(runs),
    ]
    if len(runs) > 1:
        parts.append(_comparisons(compare(runs)))
    for index, run in enumerate(runs):
        parts.append(_theorem_table(run, index))
    for index, run in enumerate(runs):
        if run.traces:
            parts.append(_trees(run, index))
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


def _summary_table(runs: Sequence[Run]) -> str:
    head = "".join(f"<th>{s}</th>" for s in STATUSES)
    rows = []
    for run in runs:
        s = summarize_run(run)
        counts = "".join(
            f"<td class='num {status}' data-key='{status}'>{s.counts[status]}</td>"
            for status in STATUSES
        )
        rows.append(
            f"<tr data-run='{escape(run.name)}'><td>{escape(run.name)}</td>"
            f"<td>{escape(s.env)}</td>"
            f"<td class='num' data-key='proved_attempted'>{s.proved}/{s.attempted}</td>"
            f"<td class='num' data-key='pass_at_1'>{s.pass_at_1:.3f}</td>"
            f"<td class='num' data-key='interval'>[{s.low:.3f}, {s.high:.3f}]</td>{counts}</tr>"
        )
    return (
        "<h2>Pass@1</h2><p>Pass@1 = proved / attempted; <code>env_error</code> (the"
        " environment failed, not the proof) is not attempted. The interval is Wilson's 95%"
        " score interval.</p><table id='summary'><thead><tr><th>run</th><th>env</th>"
        f"<th>proved/attempted</th><th>Pass@1</th><th>95% interval</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _curves(runs: Sequence[Run]) -> str:
    svgs = [
        _curve_svg(runs, "seconds", "wall-clock seconds per theorem"),
        _curve_svg(runs, "expansions", "expansions per theorem"),
    ]
    return "<h2>Proved within a budget</h2><div class='curves'>" + "".join(svgs) + "</div>"


def _curve_svg(runs: Sequence[Run], by: str, label: str) -> str:
    """A step plot of proved theorems against a per-theorem budget, as inline SVG."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context({"svg.hashsalt": "tacgen", "svg.fonttype": "none"}):
        figure = Figure(figsize=(4.8, 3.4))
        axes = figure.subplots()
        for run in runs:
            budgets, proved = proved_curve(run, by)
            axes.step([0.0, *budgets], [0, *proved], where="post", label=run.name)
        axes.set_xlabel(label)
        axes.set_ylabel("theorems proved")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        if runs:
            axes.legend(fontsize="small")
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return f"<figure data-curve='{by}'>{svg[svg.index('<svg') :]}</figure>"


def _comparisons(comparisons: Sequence[Comparison]) -> str:
    parts = ["<h2>Proved by one run, the other, or both</h2>"]
    for c in comparisons:
        lists = (
            (f"{c.first} only", "only_first", c.only_first),
            (f"{c.second} only", "only_second", c.only_second),
            ("both", "both", c.both),
        )
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td class='num' data-key='{key}'>{len(names)}</td>"
            f"<td>{', '.join(f'<code>{escape(n)}</code>' for n in names)}</td></tr>"
            for name, key, names in lists
        )
        parts.append(
            f"<h3>{escape(c.first)} vs {escape(c.second)}</h3><table class='comparison' "
            f"data-first='{escape(c.first)}' data-second='{escape(c.second)}'>"
            f"<tbody>{rows}</tbody></table>"
        )
    return "".join(parts)


def _theorem_table(run: Run, index: int) -> str:
    rows = []
    for row in sorted(run.rows, key=lambda r: str(r.get("full_name", ""))):
        status = str(row["status"])
        proof = "; ".join(str(t) for t in row.get("proof") or [])
        note = row.get("error") or ""
        rows.append(
            f"<tr><td>{escape(str(row.get('full_name', '')))}</td>"
            f"<td class='{status}'>{status}</td>"
            f"<td class='num' data-value='{float(row.get('seconds', 0))}'>"
            f"{float(row.get('seconds', 0)):.2f}</td>"
            f"<td class='num'>{int(row.get('expansions', 0))}</td>"
            f"<td><code>{escape(proof)}</code>"
            f"{f' <span class=muted>{escape(str(note))}</span>' if note else ''}</td></tr>"
        )
    return (
        f"<h2>Theorems: {escape(run.name)}</h2><p class='muted'>{escape(str(run.path))};"
        " click a column to sort.</p>"
        f"<table class='sortable theorems' id='theorems-{index}' data-run='{escape(run.name)}'>"
        "<thead><tr><th>theorem</th><th>status</th><th>seconds</th><th>expansions</th>"
        f"<th>proof</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _trees(run: Run, index: int) -> str:
    parts = [f"<h2>Search trees: {escape(run.name)}</h2>"]
    for (_, name), trace in sorted(run.traces.items(), key=lambda item: item[0][1]):
        status = str(trace.get("status", ""))
        parts.append(
            f"<details class='tree' data-theorem='{escape(name)}'><summary><code>"
            f"{escape(name)}</code> <span class='{status}'>{status}</span> "
            f"({len(trace.get('nodes', []))} nodes, {len(trace.get('edges', []))} edges)"
            f"</summary>{_tree(trace)}</details>"
        )
    return f"<section id='trees-{index}'>{''.join(parts)}</section>"


def _tree(trace: dict[str, Any]) -> str:
    """Nested ``<details>``, from the root: each node's edges in the order they were tried,
    an edge that opened a new node followed by that node's subtree."""
    nodes = {node["id"]: node for node in trace.get("nodes", [])}
    children: dict[int, list[dict[str, Any]]] = {}
    for edge in trace.get("edges", []):
        children.setdefault(edge["source"], []).append(edge)
    proof = set(trace.get("proof_edges", []))
    on_path = {edge["source"] for edge in trace.get("edges", []) if edge["id"] in proof}
    budget = [MAX_TREE_NODES]
    root = next((n for n in nodes.values() if n.get("parent") is None), None)
    if root is None:
        return "<p class='muted'>no nodes</p>"
    return _node_html(root, nodes, children, proof, on_path, budget)


def _node_html(
    node: dict[str, Any],
    nodes: dict[int, dict[str, Any]],
    children: dict[int, list[dict[str, Any]]],
    proof: set[int],
    on_path: set[int],
    budget: list[int],
) -> str:
    budget[0] -= 1
    if budget[0] < 0:
        return "<p class='muted'>(tree cut: too many nodes to draw)</p>"
    on_proof = node["id"] in on_path
    klass = " class='proof'" if on_proof else ""
    opened = " open" if on_proof or node.get("parent") is None else ""
    state = str(node.get("state", ""))
    items = []
    for edge in children.get(node["id"], []):
        mark = " proof" if edge["id"] in proof else ""
        text = (
            f"<span class='tactic'><code>{escape(str(edge['tactic']))}</code></span> "
            f"<span class='muted'>{escape(str(edge.get('origin', '')))}, score "
            f"{float(edge.get('score', 0)):.3f}, {escape(str(edge.get('outcome', '')))}, "
            f"{float(edge.get('seconds', 0)):.3f} s</span>"
        )
        target = nodes.get(edge.get("target", -1))
        subtree = ""
        if target is not None and target.get("edge") == edge["id"]:  # the edge that made it
            subtree = _node_html(target, nodes, children, proof, on_path, budget)
        items.append(f"<li class='edge{mark}'>{text}{subtree}</li>")
    return (
        f"<details{klass}{opened}><summary>node {node['id']} · depth {node.get('depth', 0)} · "
        f"priority {float(node.get('priority', 0)):.3f} <code>{escape(state)}</code></summary>"
        f"<ul>{''.join(items)}</ul></details>"
    )
