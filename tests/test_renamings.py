"""Library tactics renamed to a state's local names (``--library-renamings``)."""

from __future__ import annotations

from tacgen.core.records import Query
from tacgen.data.local_names import local_names, placeholders, rename
from tacgen.prover.candidates import LibrarySource
from tacgen.prover.renamings import instances
from test_candidates import ScoringGenerator

STATE = "case intro\np q : Prop\nh₁ : p → q\nh₂ : q → p\ninst✝ : Inhabited p\n⊢ p ↔ q"


def test_placeholders_are_local_name_like_identifiers() -> None:
    assert placeholders("exact ⟨hq, hp⟩") == ["hq", "hp"]
    assert placeholders("cases a <;> cases b <;> rfl") == ["a", "b"]
    assert placeholders("exact Nat.le_trans h₁ h₂") == ["h₁", "h₂"]
    assert placeholders("induction n with | succ n ih => omega") == ["n", "ih"]
    assert placeholders("rw [Nat.add_comm] at h") == ["h"]  # `at` is a keyword, not a name
    assert placeholders("simp [List.map_append]") == []  # qualified names are kept
    assert placeholders("have := foo x") == ["x"]


def test_local_names_are_the_declared_visible_names() -> None:
    assert local_names(STATE) == ["p", "q", "h₁", "h₂"]
    two_goals = "a b : Nat\n⊢ a = b\n\nc : Nat\nh : c = 0\n⊢ c = 0"
    assert local_names(two_goals) == ["a", "b", "c", "h"]


def test_renaming_is_simultaneous() -> None:
    assert rename("exact ⟨hq, hp⟩", {"hq": "hp", "hp": "hq"}) == "exact ⟨hp, hq⟩"
    assert rename("exact hp.1", {"hp": "h"}) == "exact h.1"


def test_instances_rename_templates_injectively_in_library_order() -> None:
    found = instances(["rfl", "exact ⟨hq, hp⟩", "exact hp"], STATE, limit=100)
    tactics = [t for t, _ in found]
    assert ("exact ⟨h₁, h₂⟩", 1) in found and ("exact h₁", 2) in found
    assert len(tactics) == len(set(tactics)) == 4 * 3 + 4  # ordered pairs, then singles
    assert "exact ⟨p, p⟩" not in tactics  # injective
    assert [t for t, _ in instances(["exact hp"], STATE, limit=2)] == ["exact p", "exact q"]
    assert instances(["intro a b h"], STATE, limit=100) == []  # more than 2 names


def test_the_library_scores_its_renamings_with_their_templates_prior() -> None:
    generator = ScoringGenerator({}, {STATE: {"exact ⟨h₁, h₂⟩": -1.0}})
    source = LibrarySource(["rfl", "exact ⟨hq, hp⟩"], prior=1.0, renamings=50)
    (candidates,) = source.propose(generator, [Query(STATE)], "sum")
    assert len(candidates) == 2 + 12 and {c.origin for c in candidates} == {"library"}
    best = max(candidates, key=lambda c: c.score)
    assert best.tactic == "exact ⟨h₁, h₂⟩" and best.score < -1.0  # the template's rank prior
    plain = LibrarySource(["rfl", "exact ⟨hq, hp⟩"]).propose(generator, [Query(STATE)], "sum")
    assert [c.tactic for c in plain[0]] == ["rfl", "exact ⟨hq, hp⟩"]
