"""generate_by_length: batches of similar length, results back in input order."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tacgen.data.records import Position
from tacgen.model.interface import Candidates, TacticGenerator, generate_by_length


class EchoGenerator(TacticGenerator):
    """Answers each state with its own text and file; records the batches it was given."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def batch_generate(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        num_samples: int,
    ) -> list[Candidates]:
        self.batches.append(list(states))
        return [
            [(f"{s}|{f}|{n}|{p}", -1.0)] * num_samples
            for s, f, n, p in zip(states, file_paths, theorem_full_names, theorem_positions)
        ]


def test_results_in_input_order_batches_by_length() -> None:
    """Each state gets its own answer in input order; batches go longest first."""
    states = ["a", "⊢ much longer", "bb", "⊢ mid", "ccc"]
    generator = EchoGenerator()
    results = generate_by_length(
        generator,
        states,
        [f"F{i}.lean" for i in range(5)],
        [f"T{i}" for i in range(5)],
        [(i, 1) for i in range(5)],
        num_samples=2,
        batch_size=2,
    )
    assert [r[0][0] for r in results] == [
        f"{s}|F{i}.lean|T{i}|{(i, 1)}" for i, s in enumerate(states)
    ]
    assert all(len(r) == 2 for r in results)
    assert generator.batches == [["⊢ much longer", "⊢ mid"], ["ccc", "bb"], ["a"]]


def test_no_states_and_bad_batch_size() -> None:
    """No states: no calls; a batch size below 1 is refused."""
    generator = EchoGenerator()
    assert generate_by_length(generator, [], [], [], [], 4, batch_size=8) == []
    assert generator.batches == []
    with pytest.raises(ValueError, match="batch_size"):
        generate_by_length(generator, ["x"], [""], [""], [(0, 0)], 4, batch_size=0)
