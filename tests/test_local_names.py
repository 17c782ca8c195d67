"""Renaming a state's local names: the training-time augmentation (``rename_locals_prob``)."""

from __future__ import annotations

import random
import re

import pytest

from conftest import FIXTURES
from tacgen.data.local_names import fresh_names, local_names, placeholders, rename, rename_locals
from tacgen.generator.dataset import GeneratorDataset
from tacgen.nn.resumable import ItemKey

STATE = "p q r : Prop\nhp : p\nhq : q\nh : p → q → r\n⊢ r"


def test_renaming_is_injective_fresh_and_of_the_same_kind() -> None:
    for seed in range(50):
        mapping = fresh_names(STATE, ["exact h hp hq"], random.Random(seed))
        assert set(mapping) == {"p", "q", "r", "hp", "hq", "h"}
        new = list(mapping.values())
        assert len(set(new)) == len(new)  # injective
        assert not set(new) & {"p", "q", "r", "hp", "hq", "h", "Prop", "exact"}  # fresh
        assert all(mapping[n].startswith("h") for n in ("hp", "hq", "h"))
        assert not any(mapping[n].startswith("h") for n in ("p", "q", "r"))


def test_an_example_is_renamed_consistently_in_state_and_tactics() -> None:
    state, tactic, before = rename_locals(STATE, "exact h hp hq", ("intro hp",), random.Random(0))
    names = local_names(state)
    assert len(names) == 6 and not set(names) & {"p", "q", "r", "hp", "hq", "h"}
    p, q, r, hp, hq, h = names
    assert state == f"{p} {q} {r} : Prop\n{hp} : {p}\n{hq} : {q}\n{h} : {p} → {q} → {r}\n⊢ {r}"
    assert tactic == f"exact {h} {hp} {hq}" and before == (f"intro {hp}",)


def test_marks_qualified_names_keywords_and_goal_tags_are_kept() -> None:
    state = "case h\na : Bool\nh : a = true\n⊢ (!!a) = a"
    tactic = "cases a <;> simp [<a>Bool.not_not</a>, h] at h"
    new_state, new_tactic, _ = rename_locals(state, tactic, (), random.Random(2))
    a, h = local_names(new_state)
    assert new_state.startswith("case h\n") and f"{h} : {a} = true" in new_state
    assert new_tactic == f"cases {a} <;> simp [<a>Bool.not_not</a>, {h}] at {h}"
    assert rename("exact Foo.h x.1", {"h": "k", "x": "y"}) == "exact Foo.h y.1"


def test_no_renamed_name_captures_a_bound_or_hidden_one() -> None:
    state = "f g : Nat → Nat\nh : ∀ (x : Nat), f x = g x\ninst✝ : Inhabited Nat\n⊢ f = g"
    for seed in range(50):
        mapping = fresh_names(state, ["funext y", "exact h y"], random.Random(seed))
        assert set(mapping) == {"f", "g", "h"}
        assert not set(mapping.values()) & {"x", "y", "f", "g", "h"}


def test_induction_hypotheses_keep_their_kind_and_unmapped_names_stay() -> None:
    state = "n : Nat\nih : P n\nh : n > 0\n⊢ P (n + 1)"
    for seed in range(20):
        mapping = fresh_names(state, ["exact ih"], random.Random(seed))
        assert mapping["ih"].startswith("ih") and mapping["h"].startswith("h")
        assert not mapping["n"].startswith(("h", "ih"))
    assert rename("exact hp hq", {"hp": "h"}) == "exact h hq"


def test_a_state_without_renamable_names_is_unchanged() -> None:
    state = "α : Type u_1\ninst✝ : Inhabited α\n⊢ True"
    assert fresh_names(state, ["trivial"], random.Random(0)) == {}
    assert rename_locals(state, "trivial", ("skip",), random.Random(0)) == (
        state, "trivial", ("skip",)
    )  # fmt: skip


TRAIN = FIXTURES / "tiny" / "train.json"


def test_training_items_are_renamed_reproducibly_and_evaluation_items_never() -> None:
    ds = GeneratorDataset(TRAIN, rename_locals_prob=1.0, is_train=True)
    plain = GeneratorDataset(TRAIN, rename_locals_prob=1.0, is_train=False)
    keys = [ItemKey(i, seed=7 + i) for i in range(len(ds))]
    items = [ds[k] for k in keys]
    assert [ds[k] for k in keys] == items  # the key's seed decides the draws
    assert all(plain[i].state == plain.examples[i].state for i in range(len(plain)))
    renamed = [i for i, it in enumerate(items) if it.state != ds.examples[i].state]
    assert renamed  # the fixture's states declare names
    for i in renamed:
        old, new = local_names(ds.examples[i].state), local_names(items[i].state)
        mapping = dict(zip(old, new))
        assert items[i].tactic == rename(ds.examples[i].tactic, mapping)
        assert items[i].example == ds.examples[i]  # the stored example is untouched


def test_rename_prob_zero_or_half() -> None:
    never = GeneratorDataset(TRAIN, rename_locals_prob=0.0, is_train=True)
    assert all(never[ItemKey(i, 1)].state == never.examples[i].state for i in range(len(never)))
    half = GeneratorDataset(TRAIN, rename_locals_prob=0.5, is_train=True)
    draws = [half[ItemKey(i % len(half), s)].state for s in range(20) for i in range(len(half))]
    changed = sum(d != half.examples[i % len(half)].state for i, d in enumerate(draws))
    assert 0 < changed < len(draws)
    with pytest.raises(Exception, match=re.escape("rename_locals_prob must be in [0, 1]")):
        GeneratorDataset(TRAIN, rename_locals_prob=1.5)


def test_goal_tags_keep_their_names_in_tactics_too() -> None:
    assert rename("case h => exact h", {"h": "k"}) == "case h => exact k"
    assert placeholders("case inl hp => exact hp") == ["hp"]  # a binder after the tag is one
