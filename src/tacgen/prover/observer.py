"""What a search does, reported as it happens: the observer interface and the trace.

:class:`SearchObserver` receives the search's events: a node created, an edge tried
(tactic, score, origin, outcome, seconds). The search calls it only when one is given,
so a search without an observer does no extra work. :class:`TraceRecorder` keeps every
event of one theorem and gives the record that ``tacgen prove --trace`` writes, one line
per theorem, and that ``tacgen report`` draws::

    {"full_name", "file_path", "status",
     "nodes": [{"id", "parent", "edge", "state", "priority", "depth"}],
     "edges": [{"id", "source", "tactic", "score", "origin", "outcome", "target", "seconds"}],
     "proof_edges": [edge ids of the proof, root first]}

An edge's ``outcome`` is ``new`` (it opened node ``target``), ``seen`` (a state already in
the tree, ``target`` is that node), ``error`` (the tactic failed), ``proved`` or
``refuted`` (a proof found step by step that the whole-proof check rejected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SearchObserver:
    """Receives a search's events; every method does nothing by default."""

    def node_created(
        self, node: int, parent: int | None, edge: int | None, state: str, priority: float,
        depth: int,
    ) -> None:  # fmt: skip
        """A node joined the tree (``parent`` and ``edge`` are None for the root)."""

    def edge_tried(
        self, edge: int, source: int, tactic: str, score: float, origin: str, outcome: str,
        target: int | None, seconds: float,
    ) -> None:  # fmt: skip
        """A tactic was run on node ``source``; see the module docstring for ``outcome``."""


@dataclass
class TraceRecorder(SearchObserver):
    """Keeps one theorem's search tree."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)

    def node_created(
        self, node: int, parent: int | None, edge: int | None, state: str, priority: float,
        depth: int,
    ) -> None:  # fmt: skip
        self.nodes.append(
            {"id": node, "parent": parent, "edge": edge, "state": state,
             "priority": round(priority, 6), "depth": depth}
        )  # fmt: skip

    def edge_tried(
        self, edge: int, source: int, tactic: str, score: float, origin: str, outcome: str,
        target: int | None, seconds: float,
    ) -> None:  # fmt: skip
        self.edges.append(
            {"id": edge, "source": source, "tactic": tactic, "score": round(score, 6),
             "origin": origin, "outcome": outcome, "target": target,
             "seconds": round(seconds, 6)}
        )  # fmt: skip

    def record(self, full_name: str, file_path: str, status: str) -> dict[str, Any]:
        """The trace line of the theorem, once its search has ended."""
        return {
            "full_name": full_name,
            "file_path": file_path,
            "status": status,
            "nodes": self.nodes,
            "edges": self.edges,
            "proof_edges": self.proof_edges() if status == "proved" else [],
        }

    def proof_edges(self) -> list[int]:
        """The edges from the root to the ``proved`` edge, root first."""
        final = next((e for e in reversed(self.edges) if e["outcome"] == "proved"), None)
        if final is None:
            return []
        creating = {n["id"]: n["edge"] for n in self.nodes}
        by_id = {e["id"]: e for e in self.edges}
        path = [final["id"]]
        edge = creating.get(final["source"])
        while edge is not None:
            path.append(edge)
            edge = creating.get(by_id[edge]["source"])
        return path[::-1]
