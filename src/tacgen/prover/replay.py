"""``ReplayEnvironment``: an offline evaluator built from traced LeanDojo data.

A theorem's first traced ``state_before`` is its initial state. A proposed tactic is
accepted when it equals a traced tactic with the same ``state_before``, both compared after
ReProver's formatting with marks removed and whitespace runs collapsed; the result is that
tactic's ``state_after``, and ``no goals`` after the last traced tactic finishes the proof.
Anything else is a tactic error.

Inside focusing blocks (``·``, ``case``) a traced ``state_after`` can read ``no goals``
while other goals remain (a quarter of the miniF2F test theorems do this), and the next
tactic's ``state_before`` shows only the goal it works on. So a traced tactic leads to the
next traced tactic's ``state_before``, which is what the generator saw in the traced proof;
only the last one can finish the proof.

A tactic using ``sorry`` or ``admit`` fails, as LeanDojo's ``ProofGivenUp`` does, even where
the traced proof has one (4 of the first 200 miniF2F test theorems are "proved" by
``sorry`` in their traced source): such a proof is no proof.

A proof found under replay is a real proof path of the traced data, so Pass@1 under replay
is a lower bound of Pass@1 in Lean: "Pass@1 (replay)".
"""

from __future__ import annotations

from dataclasses import dataclass

from tacgen.data.formatting import normalize_spaces, remove_marks
from tacgen.generator.options import gives_up
from tacgen.prover.environment import (
    Environment,
    EnvironmentCrash,
    Outcome,
    ProofFinished,
    ProofState,
    TacticFailed,
    Theorem,
)

NO_GOALS = "no goals"


def replay_key(tactic: str) -> str:
    """A tactic as replay compares it: marks removed, whitespace runs collapsed."""
    return normalize_spaces(remove_marks(tactic))


@dataclass(frozen=True)
class ReplaySettings:
    """The replay environment has nothing to set."""


class ReplayEnvironment(Environment):
    """Accepts exactly the traced tactics of each state; needs no Lean."""

    name = "replay"
    Settings = ReplaySettings

    def __init__(self, settings: ReplaySettings | None = None) -> None:
        self._transitions: dict[str, dict[str, str]] = {}
        self._final: tuple[str, str] = ("", "")

    def start(self, theorem: Theorem) -> ProofState:
        """The theorem's first traced state.

        Raises:
            EnvironmentCrash: when the theorem has no traced tactics to replay.
        """
        if not theorem.traced:
            raise EnvironmentCrash(f"{theorem.full_name} has no traced tactics to replay")
        self._transitions = {}
        steps = theorem.traced
        for i, step in enumerate(steps):
            after = steps[i + 1].state_before if i + 1 < len(steps) else step.state_after
            edges = self._transitions.setdefault(step.state_before, {})
            edges.setdefault(replay_key(step.tactic), after)
        self._final = steps[-1].state_before, replay_key(steps[-1].tactic)
        return ProofState(steps[0].state_before)

    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        """The traced ``state_after`` of this tactic on this state, or a tactic error."""
        if gives_up(tactic):
            return TacticFailed("sorry and admit give the proof up (replay, as LeanDojo)")
        key = replay_key(tactic)
        after = self._transitions.get(state.text, {}).get(key)
        if after is None:
            return TacticFailed("not a traced tactic of this state (replay)")
        if after == NO_GOALS and (state.text, key) == self._final:
            return ProofFinished()
        return ProofState(after)

    def close(self) -> None:
        """Forgets the theorem."""
        self._transitions = {}
