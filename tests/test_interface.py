"""generate_by_length: batches of similar length, results back in input order."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tacgen.core.records import Query
from tacgen.generator.interface import Candidates, TacticGenerator, generate_by_length


class EchoGenerator(TacticGenerator):
    """Answers each state with its own text and file; records the batches it was given."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: object = None
    ) -> list[Candidates]:
        self.batches.append([q.state for q in queries])
        return [
            [(f"{q.state}|{q.file_path}|{q.full_name}|{q.position}", -1.0)] * num_samples
            for q in queries
        ]


def test_results_in_input_order_batches_by_length() -> None:
    """Each state gets its own answer in input order; batches go longest first."""
    states = ["a", "⊢ much longer", "bb", "⊢ mid", "ccc"]
    generator = EchoGenerator()
    queries = [Query(s, f"F{i}.lean", f"T{i}", (i, 1)) for i, s in enumerate(states)]
    results = generate_by_length(generator, queries, num_samples=2, batch_size=2)
    assert [r[0][0] for r in results] == [
        f"{s}|F{i}.lean|T{i}|{(i, 1)}" for i, s in enumerate(states)
    ]
    assert all(len(r) == 2 for r in results)
    assert generator.batches == [["⊢ much longer", "⊢ mid"], ["ccc", "bb"], ["a"]]


def test_no_states_and_bad_batch_size() -> None:
    """No states: no calls; a batch size below 1 is refused."""
    generator = EchoGenerator()
    assert generate_by_length(generator, [], 4, batch_size=8) == []
    assert generator.batches == []
    with pytest.raises(ValueError, match="batch_size"):
        generate_by_length(generator, [Query("x")], 4, batch_size=0)
