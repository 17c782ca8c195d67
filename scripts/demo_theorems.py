# ruff: noqa: E501  (Lean source strings)
"""The demo's Lean 4 files: definitions, theorems, tactic proofs and their proof states.

Written by hand by the tacgen team (MIT). Every state is written the way Lean 4 (a 2024
release with the ``0`` / ``n + 1`` induction eliminator for ``Nat``) pretty-prints it and
LeanDojo records it: hypotheses ``n m : Nat``, the goal after ``⊢``, a ``case tag`` line
for tagged goals, several goals separated by a blank line, ``no goals`` when done.

A tactic inside a bullet (``·``) or a ``with`` alternative sees only its own goal, so its
``state_after`` is ``no goals`` once that goal is closed. As in LeanDojo, a tactic with
nested tactics (``induction … with``, ``cases … with``) is traced as a whole, then each
nested tactic on its own; bullets themselves are not traced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NG = "no goals"


def S(*parts: str, case: str | None = None) -> str:
    """A goal: hypothesis lines, then the target (the last part)."""
    *hyps, goal = parts
    lines = ([f"case {case}"] if case else []) + list(hyps) + [f"⊢ {goal}"]
    return "\n".join(lines)


def M(*goals: str) -> str:
    """Several goals, as LeanDojo prints them."""
    return "\n\n".join(goals)


@dataclass
class Decl:
    """A definition (a premise without traced tactics)."""

    source: str


@dataclass
class Thm:
    """A theorem: its statement, the proof's lines and the traced tactics."""

    stmt: str
    proof: list[str]
    steps: list[tuple[str, str, str]] = field(default_factory=list)


def L(stmt: str, state: str, *seq: str) -> Thm:
    """A linear proof: ``L(stmt, s0, tac1, s1, tac2, s2, ...)``."""
    assert len(seq) % 2 == 0, stmt
    steps = []
    before = state
    for tac, after in zip(seq[0::2], seq[1::2]):
        steps.append((tac, before, after))
        before = after
    assert before == NG, f"proof of {stmt!r} does not end with no goals"
    return Thm(stmt, list(seq[0::2]), steps)


def T(stmt: str, proof: str, *steps: tuple[str, str, str]) -> Thm:
    """A structured proof: the proof's source lines and the traced tactics in order."""
    return Thm(stmt, proof.strip("\n").split("\n"), list(steps))


# ---------------------------------------------------------------------------------------
# TacgenDemo/Logic.lean
# ---------------------------------------------------------------------------------------

PQ = "p q : Prop"
PQR = "p q r : Prop"
AU = "α : Type u"

LOGIC: list[Decl | Thm] = [
    L(
        "theorem and_swap (p q : Prop) (h : p ∧ q) : q ∧ p",
        S(PQ, "h : p ∧ q", "q ∧ p"),
        "obtain ⟨hp, hq⟩ := h",
        S(PQ, "hp : p", "hq : q", "q ∧ p", case="intro"),
        "exact ⟨hq, hp⟩",
        NG,
    ),
    T(
        "theorem and_comm_imp (p q : Prop) : p ∧ q → q ∧ p",
        """
intro h
constructor
· exact h.2
· exact h.1
""",
        ("intro h", S(PQ, "p ∧ q → q ∧ p"), S(PQ, "h : p ∧ q", "q ∧ p")),
        (
            "constructor",
            S(PQ, "h : p ∧ q", "q ∧ p"),
            M(S(PQ, "h : p ∧ q", "q", case="left"), S(PQ, "h : p ∧ q", "p", case="right")),
        ),
        ("exact h.2", S(PQ, "h : p ∧ q", "q", case="left"), NG),
        ("exact h.1", S(PQ, "h : p ∧ q", "p", case="right"), NG),
    ),
    T(
        "theorem or_comm_imp (p q : Prop) : p ∨ q → q ∨ p",
        """
intro h
cases h with
| inl hp => exact Or.inr hp
| inr hq => exact Or.inl hq
""",
        ("intro h", S(PQ, "p ∨ q → q ∨ p"), S(PQ, "h : p ∨ q", "q ∨ p")),
        (
            "cases h with\n| inl hp => exact Or.inr hp\n| inr hq => exact Or.inl hq",
            S(PQ, "h : p ∨ q", "q ∨ p"),
            NG,
        ),
        ("exact Or.inr hp", S(PQ, "hp : p", "q ∨ p", case="inl"), NG),
        ("exact Or.inl hq", S(PQ, "hq : q", "q ∨ p", case="inr"), NG),
    ),
    L(
        "theorem imp_trans' (p q r : Prop) (hpq : p → q) (hqr : q → r) : p → r",
        S(PQR, "hpq : p → q", "hqr : q → r", "p → r"),
        "intro hp",
        S(PQR, "hpq : p → q", "hqr : q → r", "hp : p", "r"),
        "exact hqr (hpq hp)",
        NG,
    ),
    L(
        "theorem not_not_intro' (p : Prop) (hp : p) : ¬¬p",
        S("p : Prop", "hp : p", "¬¬p"),
        "intro hn",
        S("p : Prop", "hp : p", "hn : ¬p", "False"),
        "exact hn hp",
        NG,
    ),
    T(
        "theorem and_self_iff' (p : Prop) : p ∧ p ↔ p",
        """
constructor
· intro h
  exact h.1
· intro h
  exact ⟨h, h⟩
""",
        (
            "constructor",
            S("p : Prop", "p ∧ p ↔ p"),
            M(S("p : Prop", "p ∧ p → p", case="mp"), S("p : Prop", "p → p ∧ p", case="mpr")),
        ),
        (
            "intro h",
            S("p : Prop", "p ∧ p → p", case="mp"),
            S("p : Prop", "h : p ∧ p", "p", case="mp"),
        ),
        ("exact h.1", S("p : Prop", "h : p ∧ p", "p", case="mp"), NG),
        (
            "intro h",
            S("p : Prop", "p → p ∧ p", case="mpr"),
            S("p : Prop", "h : p", "p ∧ p", case="mpr"),
        ),
        ("exact ⟨h, h⟩", S("p : Prop", "h : p", "p ∧ p", case="mpr"), NG),
    ),
    T(
        "theorem or_self_iff' (p : Prop) : p ∨ p ↔ p",
        """
constructor
· intro h
  cases h with
  | inl hp => exact hp
  | inr hp => exact hp
· intro hp
  exact Or.inl hp
""",
        (
            "constructor",
            S("p : Prop", "p ∨ p ↔ p"),
            M(S("p : Prop", "p ∨ p → p", case="mp"), S("p : Prop", "p → p ∨ p", case="mpr")),
        ),
        (
            "intro h",
            S("p : Prop", "p ∨ p → p", case="mp"),
            S("p : Prop", "h : p ∨ p", "p", case="mp"),
        ),
        (
            "cases h with\n| inl hp => exact hp\n| inr hp => exact hp",
            S("p : Prop", "h : p ∨ p", "p", case="mp"),
            NG,
        ),
        ("exact hp", S("p : Prop", "hp : p", "p", case="mp.inl"), NG),
        ("exact hp", S("p : Prop", "hp : p", "p", case="mp.inr"), NG),
        (
            "intro hp",
            S("p : Prop", "p → p ∨ p", case="mpr"),
            S("p : Prop", "hp : p", "p ∨ p", case="mpr"),
        ),
        ("exact Or.inl hp", S("p : Prop", "hp : p", "p ∨ p", case="mpr"), NG),
    ),
    T(
        "theorem iff_comm' (p q : Prop) : (p ↔ q) ↔ (q ↔ p)",
        """
constructor
· intro h
  exact h.symm
· intro h
  exact h.symm
""",
        (
            "constructor",
            S(PQ, "(p ↔ q) ↔ (q ↔ p)"),
            M(S(PQ, "(p ↔ q) → (q ↔ p)", case="mp"), S(PQ, "(q ↔ p) → (p ↔ q)", case="mpr")),
        ),
        ("intro h", S(PQ, "(p ↔ q) → (q ↔ p)", case="mp"), S(PQ, "h : p ↔ q", "q ↔ p", case="mp")),
        ("exact h.symm", S(PQ, "h : p ↔ q", "q ↔ p", case="mp"), NG),
        (
            "intro h",
            S(PQ, "(q ↔ p) → (p ↔ q)", case="mpr"),
            S(PQ, "h : q ↔ p", "p ↔ q", case="mpr"),
        ),
        ("exact h.symm", S(PQ, "h : q ↔ p", "p ↔ q", case="mpr"), NG),
    ),
    L(
        "theorem exists_add_one (n : Nat) : ∃ m, m = n + 1",
        S("n : Nat", "∃ m, m = n + 1"),
        "exact ⟨n + 1, rfl⟩",
        NG,
    ),
    L(
        "theorem exists_imp' {α : Type u} (p q : α → Prop) (h : ∀ x, p x → q x)\n"
        "    (hp : ∃ x, p x) : ∃ x, q x",
        S(AU, "p q : α → Prop", "h : ∀ (x : α), p x → q x", "hp : ∃ x, p x", "∃ x, q x"),
        "obtain ⟨x, hx⟩ := hp",
        S(
            AU,
            "p q : α → Prop",
            "h : ∀ (x : α), p x → q x",
            "x : α",
            "hx : p x",
            "∃ x, q x",
            case="intro",
        ),
        "exact ⟨x, h x hx⟩",
        NG,
    ),
    L(
        "theorem forall_and_left' {α : Type u} (p q : α → Prop) :\n    (∀ x, p x ∧ q x) → ∀ x, p x",
        S(AU, "p q : α → Prop", "(∀ (x : α), p x ∧ q x) → ∀ (x : α), p x"),
        "intro h x",
        S(AU, "p q : α → Prop", "h : ∀ (x : α), p x ∧ q x", "x : α", "p x"),
        "exact (h x).1",
        NG,
    ),
    T(
        "theorem not_or_of_not_not (p q : Prop) (hp : ¬p) (hq : ¬q) : ¬(p ∨ q)",
        """
intro h
cases h with
| inl h1 => exact hp h1
| inr h2 => exact hq h2
""",
        (
            "intro h",
            S(PQ, "hp : ¬p", "hq : ¬q", "¬(p ∨ q)"),
            S(PQ, "hp : ¬p", "hq : ¬q", "h : p ∨ q", "False"),
        ),
        (
            "cases h with\n| inl h1 => exact hp h1\n| inr h2 => exact hq h2",
            S(PQ, "hp : ¬p", "hq : ¬q", "h : p ∨ q", "False"),
            NG,
        ),
        ("exact hp h1", S(PQ, "hp : ¬p", "hq : ¬q", "h1 : p", "False", case="inl"), NG),
        ("exact hq h2", S(PQ, "hp : ¬p", "hq : ¬q", "h2 : q", "False", case="inr"), NG),
    ),
    L(
        "theorem mt' (p q : Prop) (h : p → q) (hnq : ¬q) : ¬p",
        S(PQ, "h : p → q", "hnq : ¬q", "¬p"),
        "intro hp",
        S(PQ, "h : p → q", "hnq : ¬q", "hp : p", "False"),
        "exact hnq (h hp)",
        NG,
    ),
    L(
        "theorem absurd_example (p q : Prop) (hp : p) (hnp : ¬p) : q",
        S(PQ, "hp : p", "hnp : ¬p", "q"),
        "exact absurd hp hnp",
        NG,
    ),
    L(
        "theorem false_elim' (p : Prop) (h : False) : p",
        S("p : Prop", "h : False", "p"),
        "exact False.elim h",
        NG,
    ),
    T(
        "theorem and_or_left' (p q r : Prop) (h : p ∧ (q ∨ r)) : (p ∧ q) ∨ (p ∧ r)",
        """
obtain ⟨hp, hq | hr⟩ := h
· exact Or.inl ⟨hp, hq⟩
· exact Or.inr ⟨hp, hr⟩
""",
        (
            "obtain ⟨hp, hq | hr⟩ := h",
            S(PQR, "h : p ∧ (q ∨ r)", "p ∧ q ∨ p ∧ r"),
            M(
                S(PQR, "hp : p", "hq : q", "p ∧ q ∨ p ∧ r", case="intro.inl"),
                S(PQR, "hp : p", "hr : r", "p ∧ q ∨ p ∧ r", case="intro.inr"),
            ),
        ),
        (
            "exact Or.inl ⟨hp, hq⟩",
            S(PQR, "hp : p", "hq : q", "p ∧ q ∨ p ∧ r", case="intro.inl"),
            NG,
        ),
        (
            "exact Or.inr ⟨hp, hr⟩",
            S(PQR, "hp : p", "hr : r", "p ∧ q ∨ p ∧ r", case="intro.inr"),
            NG,
        ),
    ),
    T(
        "theorem iff_of_both (p q : Prop) (hp : p) (hq : q) : p ↔ q",
        """
constructor
· intro _
  exact hq
· intro _
  exact hp
""",
        (
            "constructor",
            S(PQ, "hp : p", "hq : q", "p ↔ q"),
            M(
                S(PQ, "hp : p", "hq : q", "p → q", case="mp"),
                S(PQ, "hp : p", "hq : q", "q → p", case="mpr"),
            ),
        ),
        (
            "intro _",
            S(PQ, "hp : p", "hq : q", "p → q", case="mp"),
            S(PQ, "hp : p", "hq : q", "a✝ : p", "q", case="mp"),
        ),
        ("exact hq", S(PQ, "hp : p", "hq : q", "a✝ : p", "q", case="mp"), NG),
        (
            "intro _",
            S(PQ, "hp : p", "hq : q", "q → p", case="mpr"),
            S(PQ, "hp : p", "hq : q", "a✝ : q", "p", case="mpr"),
        ),
        ("exact hp", S(PQ, "hp : p", "hq : q", "a✝ : q", "p", case="mpr"), NG),
    ),
    L(
        "theorem modus_ponens' (p q : Prop) (hp : p) (hpq : p → q) : q",
        S(PQ, "hp : p", "hpq : p → q", "q"),
        "apply hpq",
        S(PQ, "hp : p", "hpq : p → q", "p"),
        "exact hp",
        NG,
    ),
    L(
        "theorem and_imp' (p q r : Prop) : (p ∧ q → r) → p → q → r",
        S(PQR, "(p ∧ q → r) → p → q → r"),
        "intro h hp hq",
        S(PQR, "h : p ∧ q → r", "hp : p", "hq : q", "r"),
        "exact h ⟨hp, hq⟩",
        NG,
    ),
    L(
        "theorem curry' (p q r : Prop) : (p → q → r) → p ∧ q → r",
        S(PQR, "(p → q → r) → p ∧ q → r"),
        "intro h hpq",
        S(PQR, "h : p → q → r", "hpq : p ∧ q", "r"),
        "exact h hpq.1 hpq.2",
        NG,
    ),
    L(
        "theorem or_imp' (p q r : Prop) (hpr : p → r) (hqr : q → r) : p ∨ q → r",
        S(PQR, "hpr : p → r", "hqr : q → r", "p ∨ q → r"),
        "intro h",
        S(PQR, "hpr : p → r", "hqr : q → r", "h : p ∨ q", "r"),
        "exact h.elim hpr hqr",
        NG,
    ),
    L(
        "theorem not_and_of_not_left (p q : Prop) (hnp : ¬p) : ¬(p ∧ q)",
        S(PQ, "hnp : ¬p", "¬(p ∧ q)"),
        "intro h",
        S(PQ, "hnp : ¬p", "h : p ∧ q", "False"),
        "exact hnp h.1",
        NG,
    ),
    L(
        "theorem comp_id' {α β : Type u} (f : α → β) : f ∘ id = f",
        S("α β : Type u", "f : α → β", "f ∘ id = f"),
        "funext x",
        S("α β : Type u", "f : α → β", "x : α", "(f ∘ id) x = f x", case="h"),
        "rfl",
        NG,
    ),
    L(
        "theorem id_comp' {α β : Type u} (f : α → β) : id ∘ f = f",
        S("α β : Type u", "f : α → β", "id ∘ f = f"),
        "funext x",
        S("α β : Type u", "f : α → β", "x : α", "(id ∘ f) x = f x", case="h"),
        "rfl",
        NG,
    ),
    L(
        "theorem comp_assoc' {α β γ δ : Type u} (f : γ → δ) (g : β → γ) (h : α → β) :\n"
        "    (f ∘ g) ∘ h = f ∘ (g ∘ h)",
        S("α β γ δ : Type u", "f : γ → δ", "g : β → γ", "h : α → β", "(f ∘ g) ∘ h = f ∘ g ∘ h"),
        "rfl",
        NG,
    ),
    L(
        "theorem comp_apply' {α β γ : Type u} (f : β → γ) (g : α → β) (x : α) :\n"
        "    (f ∘ g) x = f (g x)",
        S("α β γ : Type u", "f : β → γ", "g : α → β", "x : α", "(f ∘ g) x = f (g x)"),
        "rw [Function.comp_apply]",
        NG,
    ),
    L(
        "theorem comp_injective {α β γ : Type u} (f : β → γ) (g : α → β)\n"
        "    (hf : ∀ a b, f a = f b → a = b) (hg : ∀ a b, g a = g b → a = b) :\n"
        "    ∀ a b, (f ∘ g) a = (f ∘ g) b → a = b",
        S(
            "α β γ : Type u",
            "f : β → γ",
            "g : α → β",
            "hf : ∀ (a b : β), f a = f b → a = b",
            "hg : ∀ (a b : α), g a = g b → a = b",
            "∀ (a b : α), (f ∘ g) a = (f ∘ g) b → a = b",
        ),
        "intro a b h",
        S(
            "α β γ : Type u",
            "f : β → γ",
            "g : α → β",
            "hf : ∀ (a b : β), f a = f b → a = b",
            "hg : ∀ (a b : α), g a = g b → a = b",
            "a b : α",
            "h : (f ∘ g) a = (f ∘ g) b",
            "a = b",
        ),
        "exact hg a b (hf (g a) (g b) h)",
        NG,
    ),
    L(
        "theorem const_apply' {α β : Type u} (a : α) (b : β) : Function.const β a b = a",
        S("α β : Type u", "a : α", "b : β", "Function.const β a b = a"),
        "rfl",
        NG,
    ),
    T(
        "theorem eq_comm' {α : Type u} (a b : α) : a = b ↔ b = a",
        """
constructor
· intro h
  exact h.symm
· intro h
  exact h.symm
""",
        (
            "constructor",
            S(AU, "a b : α", "a = b ↔ b = a"),
            M(
                S(AU, "a b : α", "a = b → b = a", case="mp"),
                S(AU, "a b : α", "b = a → a = b", case="mpr"),
            ),
        ),
        (
            "intro h",
            S(AU, "a b : α", "a = b → b = a", case="mp"),
            S(AU, "a b : α", "h : a = b", "b = a", case="mp"),
        ),
        ("exact h.symm", S(AU, "a b : α", "h : a = b", "b = a", case="mp"), NG),
        (
            "intro h",
            S(AU, "a b : α", "b = a → a = b", case="mpr"),
            S(AU, "a b : α", "h : b = a", "a = b", case="mpr"),
        ),
        ("exact h.symm", S(AU, "a b : α", "h : b = a", "a = b", case="mpr"), NG),
    ),
    L(
        "theorem eq_trans' {α : Type u} (a b c : α) (h₁ : a = b) (h₂ : b = c) : a = c",
        S(AU, "a b c : α", "h₁ : a = b", "h₂ : b = c", "a = c"),
        "rw [h₁]",
        S(AU, "a b c : α", "h₁ : a = b", "h₂ : b = c", "b = c"),
        "exact h₂",
        NG,
    ),
    L(
        "theorem congr_fun' {α β : Type u} (f g : α → β) (h : f = g) (x : α) : f x = g x",
        S("α β : Type u", "f g : α → β", "h : f = g", "x : α", "f x = g x"),
        "rw [h]",
        NG,
    ),
    L(
        "theorem subst_example {α : Type u} (p : α → Prop) (a b : α) (h : a = b) (ha : p a) :\n"
        "    p b",
        S(AU, "p : α → Prop", "a b : α", "h : a = b", "ha : p a", "p b"),
        "rw [← h]",
        S(AU, "p : α → Prop", "a b : α", "h : a = b", "ha : p a", "p a"),
        "exact ha",
        NG,
    ),
    L(
        "theorem exists_eq' {α : Type u} (a : α) : ∃ x, x = a",
        S(AU, "a : α", "∃ x, x = a"),
        "exact ⟨a, rfl⟩",
        NG,
    ),
    L(
        "theorem forall_imp_exists {α : Type u} (p : α → Prop) (a : α) (h : ∀ x, p x) :\n"
        "    ∃ x, p x",
        S(AU, "p : α → Prop", "a : α", "h : ∀ (x : α), p x", "∃ x, p x"),
        "exact ⟨a, h a⟩",
        NG,
    ),
    L(
        "theorem not_exists_of_forall_not {α : Type u} (p : α → Prop) (h : ∀ x, ¬p x) :\n"
        "    ¬∃ x, p x",
        S(AU, "p : α → Prop", "h : ∀ (x : α), ¬p x", "¬∃ x, p x"),
        "intro hex",
        S(AU, "p : α → Prop", "h : ∀ (x : α), ¬p x", "hex : ∃ x, p x", "False"),
        "obtain ⟨x, hx⟩ := hex",
        S(AU, "p : α → Prop", "h : ∀ (x : α), ¬p x", "x : α", "hx : p x", "False", case="intro"),
        "exact h x hx",
        NG,
    ),
    L("theorem true_and_iff' (p : Prop) : True ∧ p ↔ p", S("p : Prop", "True ∧ p ↔ p"), "simp", NG),
    L("theorem and_true_iff' (p : Prop) : p ∧ True ↔ p", S("p : Prop", "p ∧ True ↔ p"), "simp", NG),
    L(
        "theorem or_false_iff' (p : Prop) : p ∨ False ↔ p",
        S("p : Prop", "p ∨ False ↔ p"),
        "simp",
        NG,
    ),
    L("theorem not_true_iff' : ¬True ↔ False", S("¬True ↔ False"), "simp", NG),
    L(
        "theorem imp_self' (p : Prop) : p → p",
        S("p : Prop", "p → p"),
        "intro h",
        S("p : Prop", "h : p", "p"),
        "exact h",
        NG,
    ),
    L(
        "theorem and_assoc' (p q r : Prop) : (p ∧ q) ∧ r → p ∧ (q ∧ r)",
        S(PQR, "(p ∧ q) ∧ r → p ∧ q ∧ r"),
        "intro h",
        S(PQR, "h : (p ∧ q) ∧ r", "p ∧ q ∧ r"),
        "exact ⟨h.1.1, h.1.2, h.2⟩",
        NG,
    ),
    L(
        "theorem exists_and_left' {α : Type u} (p : α → Prop) (q : Prop) (h : ∃ x, q ∧ p x) : q",
        S(AU, "p : α → Prop", "q : Prop", "h : ∃ x, q ∧ p x", "q"),
        "obtain ⟨x, hq, hpx⟩ := h",
        S(AU, "p : α → Prop", "q : Prop", "x : α", "hq : q", "hpx : p x", "q", case="intro.intro"),
        "exact hq",
        NG,
    ),
    T(
        "theorem dne_of_em (p : Prop) (h : p ∨ ¬p) (hnn : ¬¬p) : p",
        """
cases h with
| inl hp => exact hp
| inr hnp => exact absurd hnp hnn
""",
        (
            "cases h with\n| inl hp => exact hp\n| inr hnp => exact absurd hnp hnn",
            S("p : Prop", "h : p ∨ ¬p", "hnn : ¬¬p", "p"),
            NG,
        ),
        ("exact hp", S("p : Prop", "hnn : ¬¬p", "hp : p", "p", case="inl"), NG),
        ("exact absurd hnp hnn", S("p : Prop", "hnn : ¬¬p", "hnp : ¬p", "p", case="inr"), NG),
    ),
    L(
        "theorem em' (p : Prop) : p ∨ ¬p",
        S("p : Prop", "p ∨ ¬p"),
        "exact Classical.em p",
        NG,
    ),
    T(
        "theorem by_cases_example (p q : Prop) (hpq : p → q) (hnpq : ¬p → q) : q",
        """
by_cases hp : p
· exact hpq hp
· exact hnpq hp
""",
        (
            "by_cases hp : p",
            S(PQ, "hpq : p → q", "hnpq : ¬p → q", "q"),
            M(
                S(PQ, "hpq : p → q", "hnpq : ¬p → q", "hp : p", "q", case="pos"),
                S(PQ, "hpq : p → q", "hnpq : ¬p → q", "hp : ¬p", "q", case="neg"),
            ),
        ),
        ("exact hpq hp", S(PQ, "hpq : p → q", "hnpq : ¬p → q", "hp : p", "q", case="pos"), NG),
        ("exact hnpq hp", S(PQ, "hpq : p → q", "hnpq : ¬p → q", "hp : ¬p", "q", case="neg"), NG),
    ),
    L(
        "theorem iff_trans' (p q r : Prop) (h₁ : p ↔ q) (h₂ : q ↔ r) : p ↔ r",
        S(PQR, "h₁ : p ↔ q", "h₂ : q ↔ r", "p ↔ r"),
        "rw [h₁]",
        S(PQR, "h₁ : p ↔ q", "h₂ : q ↔ r", "q ↔ r"),
        "exact h₂",
        NG,
    ),
    L(
        "theorem iff_of_eq' (p q : Prop) (h : p = q) : p ↔ q",
        S(PQ, "h : p = q", "p ↔ q"),
        "rw [h]",
        NG,
    ),
    L(
        "theorem ne_comm' {α : Type u} (a b : α) (h : a ≠ b) : b ≠ a",
        S(AU, "a b : α", "h : a ≠ b", "b ≠ a"),
        "intro hba",
        S(AU, "a b : α", "h : a ≠ b", "hba : b = a", "False"),
        "exact h hba.symm",
        NG,
    ),
    L(
        "theorem and_not_self' (p : Prop) : ¬(p ∧ ¬p)",
        S("p : Prop", "¬(p ∧ ¬p)"),
        "intro h",
        S("p : Prop", "h : p ∧ ¬p", "False"),
        "exact h.2 h.1",
        NG,
    ),
    L(
        "theorem imp_not_comm' (p q : Prop) (h : p → ¬q) : q → ¬p",
        S(PQ, "h : p → ¬q", "q → ¬p"),
        "intro hq hp",
        S(PQ, "h : p → ¬q", "hq : q", "hp : p", "False"),
        "exact h hp hq",
        NG,
    ),
    T(
        "theorem or_elim_example (p q : Prop) (h : p ∨ q) (hp : p → q) : q",
        """
rcases h with hp' | hq
· exact hp hp'
· exact hq
""",
        (
            "rcases h with hp' | hq",
            S(PQ, "h : p ∨ q", "hp : p → q", "q"),
            M(
                S(PQ, "hp : p → q", "hp' : p", "q", case="inl"),
                S(PQ, "hp : p → q", "hq : q", "q", case="inr"),
            ),
        ),
        ("exact hp hp'", S(PQ, "hp : p → q", "hp' : p", "q", case="inl"), NG),
        ("exact hq", S(PQ, "hp : p → q", "hq : q", "q", case="inr"), NG),
    ),
    L(
        "theorem exists_comm' {α β : Type u} (p : α → β → Prop) (h : ∃ a b, p a b) :\n"
        "    ∃ b a, p a b",
        S("α β : Type u", "p : α → β → Prop", "h : ∃ a b, p a b", "∃ b a, p a b"),
        "obtain ⟨a, b, hab⟩ := h",
        S(
            "α β : Type u",
            "p : α → β → Prop",
            "a : α",
            "b : β",
            "hab : p a b",
            "∃ b a, p a b",
            case="intro.intro",
        ),
        "exact ⟨b, a, hab⟩",
        NG,
    ),
    L(
        "theorem forall_swap' {α β : Type u} (p : α → β → Prop) (h : ∀ a b, p a b) :\n"
        "    ∀ b a, p a b",
        S(
            "α β : Type u",
            "p : α → β → Prop",
            "h : ∀ (a : α) (b : β), p a b",
            "∀ (b : β) (a : α), p a b",
        ),
        "intro b a",
        S(
            "α β : Type u",
            "p : α → β → Prop",
            "h : ∀ (a : α) (b : β), p a b",
            "b : β",
            "a : α",
            "p a b",
        ),
        "exact h a b",
        NG,
    ),
    T(
        "theorem and_or_distrib_mpr (p q r : Prop) (h : p ∧ q ∨ p ∧ r) : p ∧ (q ∨ r)",
        """
rcases h with ⟨hp, hq⟩ | ⟨hp, hr⟩
· exact ⟨hp, Or.inl hq⟩
· exact ⟨hp, Or.inr hr⟩
""",
        (
            "rcases h with ⟨hp, hq⟩ | ⟨hp, hr⟩",
            S(PQR, "h : p ∧ q ∨ p ∧ r", "p ∧ (q ∨ r)"),
            M(
                S(PQR, "hp : p", "hq : q", "p ∧ (q ∨ r)", case="inl.intro"),
                S(PQR, "hp : p", "hr : r", "p ∧ (q ∨ r)", case="inr.intro"),
            ),
        ),
        ("exact ⟨hp, Or.inl hq⟩", S(PQR, "hp : p", "hq : q", "p ∧ (q ∨ r)", case="inl.intro"), NG),
        ("exact ⟨hp, Or.inr hr⟩", S(PQR, "hp : p", "hr : r", "p ∧ (q ∨ r)", case="inr.intro"), NG),
    ),
    T(
        "theorem not_or_iff' (p q : Prop) : ¬(p ∨ q) ↔ ¬p ∧ ¬q",
        """
constructor
· intro h
  exact ⟨fun hp => h (Or.inl hp), fun hq => h (Or.inr hq)⟩
· intro h hpq
  cases hpq with
  | inl hp => exact h.1 hp
  | inr hq => exact h.2 hq
""",
        (
            "constructor",
            S(PQ, "¬(p ∨ q) ↔ ¬p ∧ ¬q"),
            M(S(PQ, "¬(p ∨ q) → ¬p ∧ ¬q", case="mp"), S(PQ, "¬p ∧ ¬q → ¬(p ∨ q)", case="mpr")),
        ),
        (
            "intro h",
            S(PQ, "¬(p ∨ q) → ¬p ∧ ¬q", case="mp"),
            S(PQ, "h : ¬(p ∨ q)", "¬p ∧ ¬q", case="mp"),
        ),
        (
            "exact ⟨fun hp => h (Or.inl hp), fun hq => h (Or.inr hq)⟩",
            S(PQ, "h : ¬(p ∨ q)", "¬p ∧ ¬q", case="mp"),
            NG,
        ),
        (
            "intro h hpq",
            S(PQ, "¬p ∧ ¬q → ¬(p ∨ q)", case="mpr"),
            S(PQ, "h : ¬p ∧ ¬q", "hpq : p ∨ q", "False", case="mpr"),
        ),
        (
            "cases hpq with\n| inl hp => exact h.1 hp\n| inr hq => exact h.2 hq",
            S(PQ, "h : ¬p ∧ ¬q", "hpq : p ∨ q", "False", case="mpr"),
            NG,
        ),
        ("exact h.1 hp", S(PQ, "h : ¬p ∧ ¬q", "hp : p", "False", case="mpr.inl"), NG),
        ("exact h.2 hq", S(PQ, "h : ¬p ∧ ¬q", "hq : q", "False", case="mpr.inr"), NG),
    ),
    L(
        "theorem exists_or_left' {α : Type u} (p q : α → Prop) (h : ∃ x, p x) :\n"
        "    ∃ x, p x ∨ q x",
        S(AU, "p q : α → Prop", "h : ∃ x, p x", "∃ x, p x ∨ q x"),
        "obtain ⟨x, hx⟩ := h",
        S(AU, "p q : α → Prop", "x : α", "hx : p x", "∃ x, p x ∨ q x", case="intro"),
        "exact ⟨x, Or.inl hx⟩",
        NG,
    ),
    T(
        "theorem forall_and_iff' {α : Type u} (p q : α → Prop) :\n"
        "    (∀ x, p x ∧ q x) ↔ (∀ x, p x) ∧ (∀ x, q x)",
        """
constructor
· intro h
  exact ⟨fun x => (h x).1, fun x => (h x).2⟩
· intro h x
  exact ⟨h.1 x, h.2 x⟩
""",
        (
            "constructor",
            S(AU, "p q : α → Prop", "(∀ (x : α), p x ∧ q x) ↔ (∀ (x : α), p x) ∧ ∀ (x : α), q x"),
            M(
                S(
                    AU,
                    "p q : α → Prop",
                    "(∀ (x : α), p x ∧ q x) → (∀ (x : α), p x) ∧ ∀ (x : α), q x",
                    case="mp",
                ),
                S(
                    AU,
                    "p q : α → Prop",
                    "((∀ (x : α), p x) ∧ ∀ (x : α), q x) → ∀ (x : α), p x ∧ q x",
                    case="mpr",
                ),
            ),
        ),
        (
            "intro h",
            S(
                AU,
                "p q : α → Prop",
                "(∀ (x : α), p x ∧ q x) → (∀ (x : α), p x) ∧ ∀ (x : α), q x",
                case="mp",
            ),
            S(
                AU,
                "p q : α → Prop",
                "h : ∀ (x : α), p x ∧ q x",
                "(∀ (x : α), p x) ∧ ∀ (x : α), q x",
                case="mp",
            ),
        ),
        (
            "exact ⟨fun x => (h x).1, fun x => (h x).2⟩",
            S(
                AU,
                "p q : α → Prop",
                "h : ∀ (x : α), p x ∧ q x",
                "(∀ (x : α), p x) ∧ ∀ (x : α), q x",
                case="mp",
            ),
            NG,
        ),
        (
            "intro h x",
            S(
                AU,
                "p q : α → Prop",
                "((∀ (x : α), p x) ∧ ∀ (x : α), q x) → ∀ (x : α), p x ∧ q x",
                case="mpr",
            ),
            S(
                AU,
                "p q : α → Prop",
                "h : (∀ (x : α), p x) ∧ ∀ (x : α), q x",
                "x : α",
                "p x ∧ q x",
                case="mpr",
            ),
        ),
        (
            "exact ⟨h.1 x, h.2 x⟩",
            S(
                AU,
                "p q : α → Prop",
                "h : (∀ (x : α), p x) ∧ ∀ (x : α), q x",
                "x : α",
                "p x ∧ q x",
                case="mpr",
            ),
            NG,
        ),
    ),
    L(
        "theorem not_forall_of_exists_not {α : Type u} (p : α → Prop) (h : ∃ x, ¬p x) :\n"
        "    ¬∀ x, p x",
        S(AU, "p : α → Prop", "h : ∃ x, ¬p x", "¬∀ (x : α), p x"),
        "intro hall",
        S(AU, "p : α → Prop", "h : ∃ x, ¬p x", "hall : ∀ (x : α), p x", "False"),
        "obtain ⟨x, hx⟩ := h",
        S(AU, "p : α → Prop", "hall : ∀ (x : α), p x", "x : α", "hx : ¬p x", "False", case="intro"),
        "exact hx (hall x)",
        NG,
    ),
    T(
        "theorem or_resolve' (p q : Prop) (h : p ∨ q) (hnp : ¬p) : q",
        """
cases h with
| inl hp => exact absurd hp hnp
| inr hq => exact hq
""",
        (
            "cases h with\n| inl hp => exact absurd hp hnp\n| inr hq => exact hq",
            S(PQ, "h : p ∨ q", "hnp : ¬p", "q"),
            NG,
        ),
        ("exact absurd hp hnp", S(PQ, "hnp : ¬p", "hp : p", "q", case="inl"), NG),
        ("exact hq", S(PQ, "hnp : ¬p", "hq : q", "q", case="inr"), NG),
    ),
    L(
        "theorem and_left_comm' (p q r : Prop) (h : p ∧ q ∧ r) : q ∧ p ∧ r",
        S(PQR, "h : p ∧ q ∧ r", "q ∧ p ∧ r"),
        "obtain ⟨hp, hq, hr⟩ := h",
        S(PQR, "hp : p", "hq : q", "hr : r", "q ∧ p ∧ r", case="intro.intro"),
        "exact ⟨hq, hp, hr⟩",
        NG,
    ),
    T(
        "theorem imp_and' (p q r : Prop) (hq : p → q) (hr : p → r) : p → q ∧ r",
        """
intro hp
constructor
· exact hq hp
· exact hr hp
""",
        (
            "intro hp",
            S(PQR, "hq : p → q", "hr : p → r", "p → q ∧ r"),
            S(PQR, "hq : p → q", "hr : p → r", "hp : p", "q ∧ r"),
        ),
        (
            "constructor",
            S(PQR, "hq : p → q", "hr : p → r", "hp : p", "q ∧ r"),
            M(
                S(PQR, "hq : p → q", "hr : p → r", "hp : p", "q", case="left"),
                S(PQR, "hq : p → q", "hr : p → r", "hp : p", "r", case="right"),
            ),
        ),
        ("exact hq hp", S(PQR, "hq : p → q", "hr : p → r", "hp : p", "q", case="left"), NG),
        ("exact hr hp", S(PQR, "hq : p → q", "hr : p → r", "hp : p", "r", case="right"), NG),
    ),
    L(
        "theorem exists_of_exists_and {α : Type u} (p q : α → Prop) (h : ∃ x, p x ∧ q x) :\n"
        "    ∃ x, q x",
        S(AU, "p q : α → Prop", "h : ∃ x, p x ∧ q x", "∃ x, q x"),
        "obtain ⟨x, _, hq⟩ := h",
        S(AU, "p q : α → Prop", "x : α", "left✝ : p x", "hq : q x", "∃ x, q x", case="intro.intro"),
        "exact ⟨x, hq⟩",
        NG,
    ),
    L(
        "theorem comp_const' {α β γ : Type u} (f : β → γ) (b : β) :\n"
        "    f ∘ Function.const α b = Function.const α (f b)",
        S(
            "α β γ : Type u",
            "f : β → γ",
            "b : β",
            "f ∘ Function.const α b = Function.const α (f b)",
        ),
        "funext x",
        S(
            "α β γ : Type u",
            "f : β → γ",
            "b : β",
            "x : α",
            "(f ∘ Function.const α b) x = Function.const α (f b) x",
            case="h",
        ),
        "rfl",
        NG,
    ),
    L("theorem id_apply' {α : Type u} (a : α) : id a = a", S(AU, "a : α", "id a = a"), "rfl", NG),
    L(
        "theorem id_injective' {α : Type u} : ∀ a b : α, id a = id b → a = b",
        S(AU, "∀ (a b : α), id a = id b → a = b"),
        "intro a b h",
        S(AU, "a b : α", "h : id a = id b", "a = b"),
        "exact h",
        NG,
    ),
    L(
        "theorem comp_eq_of_eq {α β γ : Type u} (f : β → γ) (g₁ g₂ : α → β) (h : g₁ = g₂) :\n"
        "    f ∘ g₁ = f ∘ g₂",
        S("α β γ : Type u", "f : β → γ", "g₁ g₂ : α → β", "h : g₁ = g₂", "f ∘ g₁ = f ∘ g₂"),
        "rw [h]",
        NG,
    ),
    L(
        "theorem funext_example {α β : Type u} (f g : α → β) (h : ∀ x, f x = g x) : f = g",
        S("α β : Type u", "f g : α → β", "h : ∀ (x : α), f x = g x", "f = g"),
        "funext x",
        S(
            "α β : Type u",
            "f g : α → β",
            "h : ∀ (x : α), f x = g x",
            "x : α",
            "f x = g x",
            case="h",
        ),
        "exact h x",
        NG,
    ),
    L(
        "theorem congrArg_example {α β : Type u} (f : α → β) (a b : α) (h : a = b) : f a = f b",
        S("α β : Type u", "f : α → β", "a b : α", "h : a = b", "f a = f b"),
        "exact congrArg f h",
        NG,
    ),
    L(
        "theorem eq_symm_example {α : Type u} (a b : α) (h : a = b) : b = a",
        S(AU, "a b : α", "h : a = b", "b = a"),
        "exact Eq.symm h",
        NG,
    ),
    L(
        "theorem eq_trans_example {α : Type u} (a b c : α) (h₁ : a = b) (h₂ : b = c) : a = c",
        S(AU, "a b c : α", "h₁ : a = b", "h₂ : b = c", "a = c"),
        "exact Eq.trans h₁ h₂",
        NG,
    ),
    L(
        "theorem and_elim_left' (p q : Prop) (h : p ∧ q) : p",
        S(PQ, "h : p ∧ q", "p"),
        "cases h",
        S(PQ, "left✝ : p", "right✝ : q", "p", case="intro"),
        "assumption",
        NG,
    ),
    L(
        "theorem imp_intro' (p q : Prop) (hq : q) : p → q",
        S(PQ, "hq : q", "p → q"),
        "intro",
        S(PQ, "hq : q", "a✝ : p", "q"),
        "exact hq",
        NG,
    ),
    L(
        "theorem exfalso_example (p : Prop) (h : False) : p",
        S("p : Prop", "h : False", "p"),
        "exfalso",
        S("p : Prop", "h : False", "False"),
        "exact h",
        NG,
    ),
    L(
        "theorem specialize_example {α : Type u} (p : α → Prop) (a : α) (h : ∀ x, p x) : p a",
        S(AU, "p : α → Prop", "a : α", "h : ∀ (x : α), p x", "p a"),
        "specialize h a",
        S(AU, "p : α → Prop", "a : α", "h : p a", "p a"),
        "exact h",
        NG,
    ),
    L("theorem true_intro' : True", S("True"), "trivial", NG),
    L(
        "theorem true_of_any (p : Prop) (hp : p) : True",
        S("p : Prop", "hp : p", "True"),
        "exact True.intro",
        NG,
    ),
    L(
        "theorem by_contradiction' (p : Prop) (h : ¬¬p) : p",
        S("p : Prop", "h : ¬¬p", "p"),
        "exact Classical.byContradiction h",
        NG,
    ),
    T(
        "theorem iff_of_imp_imp (p q : Prop) (h₁ : p → q) (h₂ : q → p) : p ↔ q",
        """
apply Iff.intro
· exact h₁
· exact h₂
""",
        (
            "apply Iff.intro",
            S(PQ, "h₁ : p → q", "h₂ : q → p", "p ↔ q"),
            M(
                S(PQ, "h₁ : p → q", "h₂ : q → p", "p → q", case="mp"),
                S(PQ, "h₁ : p → q", "h₂ : q → p", "q → p", case="mpr"),
            ),
        ),
        ("exact h₁", S(PQ, "h₁ : p → q", "h₂ : q → p", "p → q", case="mp"), NG),
        ("exact h₂", S(PQ, "h₁ : p → q", "h₂ : q → p", "q → p", case="mpr"), NG),
    ),
    T(
        "theorem and_intro_example (p q : Prop) (hp : p) (hq : q) : p ∧ q",
        """
apply And.intro
· exact hp
· exact hq
""",
        (
            "apply And.intro",
            S(PQ, "hp : p", "hq : q", "p ∧ q"),
            M(
                S(PQ, "hp : p", "hq : q", "p", case="left"),
                S(PQ, "hp : p", "hq : q", "q", case="right"),
            ),
        ),
        ("exact hp", S(PQ, "hp : p", "hq : q", "p", case="left"), NG),
        ("exact hq", S(PQ, "hp : p", "hq : q", "q", case="right"), NG),
    ),
    L(
        "theorem iff_intro_example (p q : Prop) (h₁ : p → q) (h₂ : q → p) : p ↔ q",
        S(PQ, "h₁ : p → q", "h₂ : q → p", "p ↔ q"),
        "exact ⟨h₁, h₂⟩",
        NG,
    ),
]


# ---------------------------------------------------------------------------------------
# TacgenDemo/Bool.lean
# ---------------------------------------------------------------------------------------

AB = "a b : Bool"
ABC = "a b c : Bool"

BOOL: list[Decl | Thm] = [
    L(
        "theorem and_true' (b : Bool) : (b && true) = b",
        S("b : Bool", "(b && true) = b"),
        "cases b <;> rfl",
        NG,
    ),
    L(
        "theorem or_false' (b : Bool) : (b || false) = b",
        S("b : Bool", "(b || false) = b"),
        "cases b <;> rfl",
        NG,
    ),
    L("theorem not_not' (b : Bool) : (!!b) = b", S("b : Bool", "(!!b) = b"), "cases b <;> rfl", NG),
    L(
        "theorem and_comm' (a b : Bool) : (a && b) = (b && a)",
        S(AB, "(a && b) = (b && a)"),
        "cases a <;> cases b <;> rfl",
        NG,
    ),
    L(
        "theorem or_comm' (a b : Bool) : (a || b) = (b || a)",
        S(AB, "(a || b) = (b || a)"),
        "cases a <;> cases b <;> rfl",
        NG,
    ),
    L(
        "theorem and_self' (b : Bool) : (b && b) = b",
        S("b : Bool", "(b && b) = b"),
        "cases b <;> rfl",
        NG,
    ),
    T(
        "theorem not_and_self' (b : Bool) : (!b && b) = false",
        """
cases b with
| false => rfl
| true => rfl
""",
        ("cases b with\n| false => rfl\n| true => rfl", S("b : Bool", "(!b && b) = false"), NG),
        ("rfl", S("(!false && false) = false", case="false"), NG),
        ("rfl", S("(!true && true) = false", case="true"), NG),
    ),
    L(
        "theorem or_not_self' (b : Bool) : (b || !b) = true",
        S("b : Bool", "(b || !b) = true"),
        "cases b <;> rfl",
        NG,
    ),
    L(
        "theorem and_false' (b : Bool) : (b && false) = false",
        S("b : Bool", "(b && false) = false"),
        "simp",
        NG,
    ),
    L(
        "theorem or_true' (b : Bool) : (b || true) = true",
        S("b : Bool", "(b || true) = true"),
        "simp",
        NG,
    ),
    T(
        "theorem eq_true_of_not_eq_false (b : Bool) (h : (!b) = false) : b = true",
        """
cases b with
| false => simp at h
| true => rfl
""",
        (
            "cases b with\n| false => simp at h\n| true => rfl",
            S("b : Bool", "h : (!b) = false", "b = true"),
            NG,
        ),
        ("simp at h", S("h : (!false) = false", "false = true", case="false"), NG),
        ("rfl", S("h : (!true) = false", "true = true", case="true"), NG),
    ),
    L(
        "theorem decide_one_add_one : decide (1 + 1 = 2) = true",
        S("decide (1 + 1 = 2) = true"),
        "rfl",
        NG,
    ),
    Decl("def majority (a b c : Bool) : Bool :=\n  (a && b) || (b && c) || (a && c)"),
    L(
        "theorem majority_self (a b : Bool) : majority a a b = a",
        S(AB, "majority a a b = a"),
        "cases a <;> cases b <;> rfl",
        NG,
    ),
    L(
        "theorem majority_comm (a b c : Bool) : majority a b c = majority b a c",
        S(ABC, "majority a b c = majority b a c"),
        "unfold majority",
        S(ABC, "(a && b || b && c || a && c) = (b && a || a && c || b && c)"),
        "cases a <;> cases b <;> cases c <;> rfl",
        NG,
    ),
    L(
        "theorem majority_true_true (c : Bool) : majority true true c = true",
        S("c : Bool", "majority true true c = true"),
        "rfl",
        NG,
    ),
    L(
        "theorem majority_false_false (c : Bool) : majority false false c = false",
        S("c : Bool", "majority false false c = false"),
        "simp [majority]",
        NG,
    ),
    Decl("def implies (a b : Bool) : Bool := !a || b"),
    L(
        "theorem implies_self (a : Bool) : implies a a = true",
        S("a : Bool", "implies a a = true"),
        "cases a <;> rfl",
        NG,
    ),
    L(
        "theorem implies_true' (a : Bool) : implies a true = true",
        S("a : Bool", "implies a true = true"),
        "simp [implies]",
        NG,
    ),
    L(
        "theorem implies_of_false (b : Bool) : implies false b = true",
        S("b : Bool", "implies false b = true"),
        "rfl",
        NG,
    ),
    L(
        "theorem and_eq_true_iff' (a b : Bool) : (a && b) = true ↔ a = true ∧ b = true",
        S(AB, "(a && b) = true ↔ a = true ∧ b = true"),
        "simp",
        NG,
    ),
    L(
        "theorem or_eq_true_iff' (a b : Bool) : (a || b) = true ↔ a = true ∨ b = true",
        S(AB, "(a || b) = true ↔ a = true ∨ b = true"),
        "simp",
        NG,
    ),
    L(
        "theorem not_eq_true_iff' (b : Bool) : (!b) = true ↔ b = false",
        S("b : Bool", "(!b) = true ↔ b = false"),
        "cases b <;> simp",
        NG,
    ),
    T(
        "theorem eq_false_or_eq_true' (b : Bool) : b = false ∨ b = true",
        """
cases b with
| false => exact Or.inl rfl
| true => exact Or.inr rfl
""",
        (
            "cases b with\n| false => exact Or.inl rfl\n| true => exact Or.inr rfl",
            S("b : Bool", "b = false ∨ b = true"),
            NG,
        ),
        ("exact Or.inl rfl", S("false = false ∨ false = true", case="false"), NG),
        ("exact Or.inr rfl", S("true = false ∨ true = true", case="true"), NG),
    ),
    L("theorem beq_self' (n : Nat) : (n == n) = true", S("n : Nat", "(n == n) = true"), "simp", NG),
    L(
        "theorem and_or_distrib' (a b c : Bool) :\n    (a && (b || c)) = ((a && b) || (a && c))",
        S(ABC, "(a && (b || c)) = (a && b || a && c)"),
        "cases a <;> cases b <;> cases c <;> rfl",
        NG,
    ),
    L(
        "theorem not_or' (a b : Bool) : (!(a || b)) = (!a && !b)",
        S(AB, "(!(a || b)) = (!a && !b)"),
        "cases a <;> cases b <;> rfl",
        NG,
    ),
    L(
        "theorem ite_self' {α : Type u} (p : Prop) [Decidable p] (a : α) :\n"
        "    (if p then a else a) = a",
        S(AU, "p : Prop", "inst✝ : Decidable p", "a : α", "(if p then a else a) = a"),
        "split <;> rfl",
        NG,
    ),
    L(
        "theorem ite_true_eq' {α : Type u} (a b : α) : (if True then a else b) = a",
        S(AU, "a b : α", "(if True then a else b) = a"),
        "simp",
        NG,
    ),
    L(
        "theorem decide_eq_true_iff' (p : Prop) [Decidable p] : decide p = true ↔ p",
        S("p : Prop", "inst✝ : Decidable p", "decide p = true ↔ p"),
        "simp",
        NG,
    ),
    L(
        "theorem and_eq_true_left' (a b : Bool) (h : (a && b) = true) : a = true",
        S(AB, "h : (a && b) = true", "a = true"),
        "simp at h",
        S(AB, "h : a = true ∧ b = true", "a = true"),
        "exact h.1",
        NG,
    ),
    L(
        "theorem or_eq_false_iff' (a b : Bool) : (a || b) = false ↔ a = false ∧ b = false",
        S(AB, "(a || b) = false ↔ a = false ∧ b = false"),
        "cases a <;> cases b <;> simp",
        NG,
    ),
    T(
        "theorem cases_bool_example (b : Bool) (p : Bool → Prop) (h0 : p false) (h1 : p true) :\n"
        "    p b",
        """
cases b with
| false => exact h0
| true => exact h1
""",
        (
            "cases b with\n| false => exact h0\n| true => exact h1",
            S("b : Bool", "p : Bool → Prop", "h0 : p false", "h1 : p true", "p b"),
            NG,
        ),
        (
            "exact h0",
            S("p : Bool → Prop", "h0 : p false", "h1 : p true", "p false", case="false"),
            NG,
        ),
        (
            "exact h1",
            S("p : Bool → Prop", "h0 : p false", "h1 : p true", "p true", case="true"),
            NG,
        ),
    ),
    T(
        "theorem bool_dichotomy (b : Bool) (h : b ≠ true) : b = false",
        """
cases b with
| false => rfl
| true => contradiction
""",
        (
            "cases b with\n| false => rfl\n| true => contradiction",
            S("b : Bool", "h : b ≠ true", "b = false"),
            NG,
        ),
        ("rfl", S("h : false ≠ true", "false = false", case="false"), NG),
        ("contradiction", S("h : true ≠ true", "true = false", case="true"), NG),
    ),
    L(
        "theorem decide_eq_true_of_eq (n : Nat) (h : n = 3) : decide (n = 3) = true",
        S("n : Nat", "h : n = 3", "decide (n = 3) = true"),
        "simp [h]",
        NG,
    ),
]


# ---------------------------------------------------------------------------------------
# TacgenDemo/Nat.lean
# ---------------------------------------------------------------------------------------

N = "n : Nat"
MN = "m n : Nat"
NM = "n m : Nat"

NAT: list[Decl | Thm] = [
    Decl("def double (n : Nat) : Nat := n + n"),
    L("theorem add_zero' (n : Nat) : n + 0 = n", S(N, "n + 0 = n"), "rfl", NG),
    T(
        "theorem zero_add' (n : Nat) : 0 + n = n",
        """
induction n with
| zero => rfl
| succ n ih => rw [← Nat.add_assoc, ih]
""",
        (
            "induction n with\n| zero => rfl\n| succ n ih => rw [← Nat.add_assoc, ih]",
            S(N, "0 + n = n"),
            NG,
        ),
        ("rfl", S("0 + 0 = 0", case="zero"), NG),
        (
            "rw [← Nat.add_assoc, ih]",
            S(N, "ih : 0 + n = n", "0 + (n + 1) = n + 1", case="succ"),
            NG,
        ),
    ),
    T(
        "theorem succ_add' (n m : Nat) : (n + 1) + m = (n + m) + 1",
        """
induction m with
| zero => rfl
| succ m ih => omega
""",
        (
            "induction m with\n| zero => rfl\n| succ m ih => omega",
            S(NM, "n + 1 + m = n + m + 1"),
            NG,
        ),
        ("rfl", S(N, "n + 1 + 0 = n + 0 + 1", case="zero"), NG),
        (
            "omega",
            S(NM, "ih : n + 1 + m = n + m + 1", "n + 1 + (m + 1) = n + (m + 1) + 1", case="succ"),
            NG,
        ),
    ),
    L(
        "theorem add_comm_three (a b c : Nat) : a + b + c = c + (a + b)",
        S("a b c : Nat", "a + b + c = c + (a + b)"),
        "rw [Nat.add_comm]",
        NG,
    ),
    L(
        "theorem add_assoc' (a b c : Nat) : a + b + c = a + (b + c)",
        S("a b c : Nat", "a + b + c = a + (b + c)"),
        "rw [Nat.add_assoc]",
        NG,
    ),
    L(
        "theorem add_right_comm' (a b c : Nat) : a + b + c = a + c + b",
        S("a b c : Nat", "a + b + c = a + c + b"),
        "omega",
        NG,
    ),
    L(
        "theorem mul_comm' (a b : Nat) : a * b = b * a",
        S("a b : Nat", "a * b = b * a"),
        "rw [Nat.mul_comm]",
        NG,
    ),
    L("theorem mul_one' (n : Nat) : n * 1 = n", S(N, "n * 1 = n"), "simp", NG),
    L("theorem one_mul' (n : Nat) : 1 * n = n", S(N, "1 * n = n"), "simp", NG),
    L("theorem mul_zero' (n : Nat) : n * 0 = 0", S(N, "n * 0 = 0"), "rfl", NG),
    T(
        "theorem zero_mul' (n : Nat) : 0 * n = 0",
        """
induction n with
| zero => rfl
| succ n ih => simp [Nat.mul_succ, ih]
""",
        (
            "induction n with\n| zero => rfl\n| succ n ih => simp [Nat.mul_succ, ih]",
            S(N, "0 * n = 0"),
            NG,
        ),
        ("rfl", S("0 * 0 = 0", case="zero"), NG),
        ("simp [Nat.mul_succ, ih]", S(N, "ih : 0 * n = 0", "0 * (n + 1) = 0", case="succ"), NG),
    ),
    L(
        "theorem double_eq (n : Nat) : double n = 2 * n",
        S(N, "double n = 2 * n"),
        "unfold double",
        S(N, "n + n = 2 * n"),
        "omega",
        NG,
    ),
    L(
        "theorem double_add (m n : Nat) : double (m + n) = double m + double n",
        S(MN, "double (m + n) = double m + double n"),
        "simp only [double]",
        S(MN, "m + n + (m + n) = m + m + (n + n)"),
        "omega",
        NG,
    ),
    L("theorem double_zero : double 0 = 0", S("double 0 = 0"), "rfl", NG),
    L(
        "theorem double_succ (n : Nat) : double (n + 1) = double n + 2",
        S(N, "double (n + 1) = double n + 2"),
        "unfold double",
        S(N, "n + 1 + (n + 1) = n + n + 2"),
        "omega",
        NG,
    ),
    L(
        "theorem double_double (n : Nat) : double (double n) = 4 * n",
        S(N, "double (double n) = 4 * n"),
        "simp only [double]",
        S(N, "n + n + (n + n) = 4 * n"),
        "omega",
        NG,
    ),
    L(
        "theorem double_pos (n : Nat) (h : 0 < n) : 0 < double n",
        S(N, "h : 0 < n", "0 < double n"),
        "unfold double",
        S(N, "h : 0 < n", "0 < n + n"),
        "omega",
        NG,
    ),
    L(
        "theorem double_le_of_le (m n : Nat) (h : m ≤ n) : double m ≤ double n",
        S(MN, "h : m ≤ n", "double m ≤ double n"),
        "unfold double",
        S(MN, "h : m ≤ n", "m + m ≤ n + n"),
        "omega",
        NG,
    ),
    L(
        "theorem double_inj (m n : Nat) (h : double m = double n) : m = n",
        S(MN, "h : double m = double n", "m = n"),
        "unfold double at h",
        S(MN, "h : m + m = n + n", "m = n"),
        "omega",
        NG,
    ),
    Decl("def sumTo : Nat → Nat\n  | 0 => 0\n  | n + 1 => (n + 1) + sumTo n"),
    L("theorem sumTo_zero : sumTo 0 = 0", S("sumTo 0 = 0"), "rfl", NG),
    L(
        "theorem sumTo_succ (n : Nat) : sumTo (n + 1) = (n + 1) + sumTo n",
        S(N, "sumTo (n + 1) = n + 1 + sumTo n"),
        "rfl",
        NG,
    ),
    T(
        "theorem sumTo_le (n : Nat) : n ≤ sumTo n",
        """
induction n with
| zero => exact Nat.zero_le _
| succ n ih =>
  rw [sumTo_succ]
  exact Nat.le_add_right _ _
""",
        (
            "induction n with\n| zero => exact Nat.zero_le _\n| succ n ih =>\n  rw [sumTo_succ]\n"
            "  exact Nat.le_add_right _ _",
            S(N, "n ≤ sumTo n"),
            NG,
        ),
        ("exact Nat.zero_le _", S("0 ≤ sumTo 0", case="zero"), NG),
        (
            "rw [sumTo_succ]",
            S(N, "ih : n ≤ sumTo n", "n + 1 ≤ sumTo (n + 1)", case="succ"),
            S(N, "ih : n ≤ sumTo n", "n + 1 ≤ n + 1 + sumTo n", case="succ"),
        ),
        (
            "exact Nat.le_add_right _ _",
            S(N, "ih : n ≤ sumTo n", "n + 1 ≤ n + 1 + sumTo n", case="succ"),
            NG,
        ),
    ),
    L("theorem sumTo_three : sumTo 3 = 6", S("sumTo 3 = 6"), "decide", NG),
    L("theorem sumTo_two : sumTo 2 = 3", S("sumTo 2 = 3"), "rfl", NG),
    L(
        "theorem sumTo_mono (n : Nat) : sumTo n ≤ sumTo (n + 1)",
        S(N, "sumTo n ≤ sumTo (n + 1)"),
        "rw [sumTo_succ]",
        S(N, "sumTo n ≤ n + 1 + sumTo n"),
        "omega",
        NG,
    ),
    T(
        "theorem sumTo_pos (n : Nat) (h : 0 < n) : 0 < sumTo n",
        """
cases n with
| zero => exact absurd h (Nat.lt_irrefl 0)
| succ m =>
  rw [sumTo_succ]
  omega
""",
        (
            "cases n with\n| zero => exact absurd h (Nat.lt_irrefl 0)\n| succ m =>\n  rw [sumTo_succ]\n  omega",
            S(N, "h : 0 < n", "0 < sumTo n"),
            NG,
        ),
        ("exact absurd h (Nat.lt_irrefl 0)", S("h : 0 < 0", "0 < sumTo 0", case="zero"), NG),
        (
            "rw [sumTo_succ]",
            S("m : Nat", "h : 0 < m + 1", "0 < sumTo (m + 1)", case="succ"),
            S("m : Nat", "h : 0 < m + 1", "0 < m + 1 + sumTo m", case="succ"),
        ),
        ("omega", S("m : Nat", "h : 0 < m + 1", "0 < m + 1 + sumTo m", case="succ"), NG),
    ),
    Decl("def fact : Nat → Nat\n  | 0 => 1\n  | n + 1 => (n + 1) * fact n"),
    L(
        "theorem fact_succ (n : Nat) : fact (n + 1) = (n + 1) * fact n",
        S(N, "fact (n + 1) = (n + 1) * fact n"),
        "rfl",
        NG,
    ),
    T(
        "theorem one_le_fact (n : Nat) : 1 ≤ fact n",
        """
induction n with
| zero => decide
| succ n ih =>
  rw [fact_succ]
  exact Nat.mul_le_mul (Nat.le_add_left 1 n) ih
""",
        (
            "induction n with\n| zero => decide\n| succ n ih =>\n  rw [fact_succ]\n"
            "  exact Nat.mul_le_mul (Nat.le_add_left 1 n) ih",
            S(N, "1 ≤ fact n"),
            NG,
        ),
        ("decide", S("1 ≤ fact 0", case="zero"), NG),
        (
            "rw [fact_succ]",
            S(N, "ih : 1 ≤ fact n", "1 ≤ fact (n + 1)", case="succ"),
            S(N, "ih : 1 ≤ fact n", "1 ≤ (n + 1) * fact n", case="succ"),
        ),
        (
            "exact Nat.mul_le_mul (Nat.le_add_left 1 n) ih",
            S(N, "ih : 1 ≤ fact n", "1 ≤ (n + 1) * fact n", case="succ"),
            NG,
        ),
    ),
    L("theorem fact_pos (n : Nat) : 0 < fact n", S(N, "0 < fact n"), "exact one_le_fact n", NG),
    L("theorem fact_two : fact 2 = 2", S("fact 2 = 2"), "rfl", NG),
    L("theorem fact_three : fact 3 = 6", S("fact 3 = 6"), "rfl", NG),
    L(
        "theorem fact_le_fact_succ (n : Nat) : fact n ≤ fact (n + 1)",
        S(N, "fact n ≤ fact (n + 1)"),
        "rw [fact_succ]",
        S(N, "fact n ≤ (n + 1) * fact n"),
        "rw [Nat.add_mul, Nat.one_mul]",
        S(N, "fact n ≤ n * fact n + fact n"),
        "exact Nat.le_add_left (fact n) (n * fact n)",
        NG,
    ),
    Decl("def pow2 : Nat → Nat\n  | 0 => 1\n  | n + 1 => 2 * pow2 n"),
    L(
        "theorem pow2_succ (n : Nat) : pow2 (n + 1) = 2 * pow2 n",
        S(N, "pow2 (n + 1) = 2 * pow2 n"),
        "rfl",
        NG,
    ),
    T(
        "theorem pow2_pos (n : Nat) : 0 < pow2 n",
        """
induction n with
| zero => decide
| succ n ih =>
  rw [pow2_succ]
  omega
""",
        (
            "induction n with\n| zero => decide\n| succ n ih =>\n  rw [pow2_succ]\n  omega",
            S(N, "0 < pow2 n"),
            NG,
        ),
        ("decide", S("0 < pow2 0", case="zero"), NG),
        (
            "rw [pow2_succ]",
            S(N, "ih : 0 < pow2 n", "0 < pow2 (n + 1)", case="succ"),
            S(N, "ih : 0 < pow2 n", "0 < 2 * pow2 n", case="succ"),
        ),
        ("omega", S(N, "ih : 0 < pow2 n", "0 < 2 * pow2 n", case="succ"), NG),
    ),
    T(
        "theorem pow2_ge_one (n : Nat) : 1 ≤ pow2 n",
        """
induction n with
| zero => decide
| succ n ih =>
  rw [pow2_succ]
  omega
""",
        (
            "induction n with\n| zero => decide\n| succ n ih =>\n  rw [pow2_succ]\n  omega",
            S(N, "1 ≤ pow2 n"),
            NG,
        ),
        ("decide", S("1 ≤ pow2 0", case="zero"), NG),
        (
            "rw [pow2_succ]",
            S(N, "ih : 1 ≤ pow2 n", "1 ≤ pow2 (n + 1)", case="succ"),
            S(N, "ih : 1 ≤ pow2 n", "1 ≤ 2 * pow2 n", case="succ"),
        ),
        ("omega", S(N, "ih : 1 ≤ pow2 n", "1 ≤ 2 * pow2 n", case="succ"), NG),
    ),
    T(
        "theorem pow2_add (m n : Nat) : pow2 (m + n) = pow2 m * pow2 n",
        """
induction n with
| zero => simp [pow2]
| succ n ih =>
  rw [← Nat.add_assoc, pow2_succ, pow2_succ, ih]
  rw [Nat.mul_left_comm]
""",
        (
            "induction n with\n| zero => simp [pow2]\n| succ n ih =>\n"
            "  rw [← Nat.add_assoc, pow2_succ, pow2_succ, ih]\n  rw [Nat.mul_left_comm]",
            S(MN, "pow2 (m + n) = pow2 m * pow2 n"),
            NG,
        ),
        ("simp [pow2]", S("m : Nat", "pow2 (m + 0) = pow2 m * pow2 0", case="zero"), NG),
        (
            "rw [← Nat.add_assoc, pow2_succ, pow2_succ, ih]",
            S(
                MN,
                "ih : pow2 (m + n) = pow2 m * pow2 n",
                "pow2 (m + (n + 1)) = pow2 m * pow2 (n + 1)",
                case="succ",
            ),
            S(
                MN,
                "ih : pow2 (m + n) = pow2 m * pow2 n",
                "2 * (pow2 m * pow2 n) = pow2 m * (2 * pow2 n)",
                case="succ",
            ),
        ),
        (
            "rw [Nat.mul_left_comm]",
            S(
                MN,
                "ih : pow2 (m + n) = pow2 m * pow2 n",
                "2 * (pow2 m * pow2 n) = pow2 m * (2 * pow2 n)",
                case="succ",
            ),
            NG,
        ),
    ),
    L(
        "theorem two_le_pow2_succ (n : Nat) : 2 ≤ pow2 (n + 1)",
        S(N, "2 ≤ pow2 (n + 1)"),
        "rw [pow2_succ]",
        S(N, "2 ≤ 2 * pow2 n"),
        "have h := pow2_ge_one n",
        S(N, "h : 1 ≤ pow2 n", "2 ≤ 2 * pow2 n"),
        "omega",
        NG,
    ),
    Decl("def IsEven (n : Nat) : Prop := ∃ k, n = k + k"),
    L("theorem isEven_zero : IsEven 0", S("IsEven 0"), "exact ⟨0, rfl⟩", NG),
    L("theorem isEven_two : IsEven 2", S("IsEven 2"), "exact ⟨1, rfl⟩", NG),
    L(
        "theorem isEven_double (n : Nat) : IsEven (double n)",
        S(N, "IsEven (double n)"),
        "unfold IsEven",
        S(N, "∃ k, double n = k + k"),
        "exact ⟨n, rfl⟩",
        NG,
    ),
    L(
        "theorem isEven_add (m n : Nat) (hm : IsEven m) (hn : IsEven n) : IsEven (m + n)",
        S(MN, "hm : IsEven m", "hn : IsEven n", "IsEven (m + n)"),
        "obtain ⟨a, ha⟩ := hm",
        S(MN, "hn : IsEven n", "a : Nat", "ha : m = a + a", "IsEven (m + n)", case="intro"),
        "obtain ⟨b, hb⟩ := hn",
        S(
            "m n a : Nat",
            "ha : m = a + a",
            "b : Nat",
            "hb : n = b + b",
            "IsEven (m + n)",
            case="intro.intro",
        ),
        "refine ⟨a + b, ?_⟩",
        S(
            "m n a : Nat",
            "ha : m = a + a",
            "b : Nat",
            "hb : n = b + b",
            "m + n = a + b + (a + b)",
            case="intro.intro",
        ),
        "omega",
        NG,
    ),
    L(
        "theorem not_isEven_one : ¬IsEven 1",
        S("¬IsEven 1"),
        "intro h",
        S("h : IsEven 1", "False"),
        "obtain ⟨k, hk⟩ := h",
        S("k : Nat", "hk : 1 = k + k", "False", case="intro"),
        "omega",
        NG,
    ),
    L(
        "theorem isEven_of_isEven_add_two (n : Nat) (h : IsEven (n + 2)) : IsEven n",
        S(N, "h : IsEven (n + 2)", "IsEven n"),
        "obtain ⟨k, hk⟩ := h",
        S("n k : Nat", "hk : n + 2 = k + k", "IsEven n", case="intro"),
        "refine ⟨k - 1, ?_⟩",
        S("n k : Nat", "hk : n + 2 = k + k", "n = k - 1 + (k - 1)", case="intro"),
        "omega",
        NG,
    ),
    L("theorem lt_succ_self' (n : Nat) : n < n + 1", S(N, "n < n + 1"), "omega", NG),
    L(
        "theorem le_add_right' (n k : Nat) : n ≤ n + k",
        S("n k : Nat", "n ≤ n + k"),
        "exact Nat.le_add_right n k",
        NG,
    ),
    L(
        "theorem succ_ne_zero' (n : Nat) : n + 1 ≠ 0",
        S(N, "n + 1 ≠ 0"),
        "exact Nat.succ_ne_zero n",
        NG,
    ),
    L(
        "theorem pos_of_ne_zero' (n : Nat) (h : n ≠ 0) : 0 < n",
        S(N, "h : n ≠ 0", "0 < n"),
        "omega",
        NG,
    ),
    L(
        "theorem le_antisymm' (a b : Nat) (h₁ : a ≤ b) (h₂ : b ≤ a) : a = b",
        S("a b : Nat", "h₁ : a ≤ b", "h₂ : b ≤ a", "a = b"),
        "exact Nat.le_antisymm h₁ h₂",
        NG,
    ),
    L("theorem lt_irrefl' (n : Nat) : ¬n < n", S(N, "¬n < n"), "exact Nat.lt_irrefl n", NG),
    L(
        "theorem le_trans' (a b c : Nat) (h₁ : a ≤ b) (h₂ : b ≤ c) : a ≤ c",
        S("a b c : Nat", "h₁ : a ≤ b", "h₂ : b ≤ c", "a ≤ c"),
        "exact Nat.le_trans h₁ h₂",
        NG,
    ),
    L(
        "theorem le_trans_apply (a b c : Nat) (h₁ : a ≤ b) (h₂ : b ≤ c) : a ≤ c",
        S("a b c : Nat", "h₁ : a ≤ b", "h₂ : b ≤ c", "a ≤ c"),
        "apply Nat.le_trans h₁",
        S("a b c : Nat", "h₁ : a ≤ b", "h₂ : b ≤ c", "b ≤ c"),
        "exact h₂",
        NG,
    ),
    L(
        "theorem add_le_add' (a b c d : Nat) (h₁ : a ≤ b) (h₂ : c ≤ d) : a + c ≤ b + d",
        S("a b c d : Nat", "h₁ : a ≤ b", "h₂ : c ≤ d", "a + c ≤ b + d"),
        "omega",
        NG,
    ),
    L("theorem two_mul' (n : Nat) : 2 * n = n + n", S(N, "2 * n = n + n"), "omega", NG),
    L("theorem mul_two' (n : Nat) : n * 2 = n + n", S(N, "n * 2 = n + n"), "omega", NG),
    L("theorem sub_self' (n : Nat) : n - n = 0", S(N, "n - n = 0"), "simp", NG),
    L("theorem add_sub_cancel' (n m : Nat) : n + m - m = n", S(NM, "n + m - m = n"), "omega", NG),
    L("theorem sub_le' (n m : Nat) : n - m ≤ n", S(NM, "n - m ≤ n"), "exact Nat.sub_le n m", NG),
    L("theorem two_pos' : 0 < 2", S("0 < 2"), "decide", NG),
    T(
        "theorem eq_zero_or_pos' (n : Nat) : n = 0 ∨ 0 < n",
        """
cases n with
| zero => exact Or.inl rfl
| succ m => exact Or.inr (Nat.succ_pos m)
""",
        (
            "cases n with\n| zero => exact Or.inl rfl\n| succ m => exact Or.inr (Nat.succ_pos m)",
            S(N, "n = 0 ∨ 0 < n"),
            NG,
        ),
        ("exact Or.inl rfl", S("0 = 0 ∨ 0 < 0", case="zero"), NG),
        ("exact Or.inr (Nat.succ_pos m)", S("m : Nat", "m + 1 = 0 ∨ 0 < m + 1", case="succ"), NG),
    ),
    T(
        "theorem zero_or_succ (n : Nat) : n = 0 ∨ ∃ m, n = m + 1",
        """
cases n
· exact Or.inl rfl
· exact Or.inr ⟨_, rfl⟩
""",
        (
            "cases n",
            S(N, "n = 0 ∨ ∃ m, n = m + 1"),
            M(
                S("0 = 0 ∨ ∃ m, 0 = m + 1", case="zero"),
                S("n✝ : Nat", "n✝ + 1 = 0 ∨ ∃ m, n✝ + 1 = m + 1", case="succ"),
            ),
        ),
        ("exact Or.inl rfl", S("0 = 0 ∨ ∃ m, 0 = m + 1", case="zero"), NG),
        (
            "exact Or.inr ⟨_, rfl⟩",
            S("n✝ : Nat", "n✝ + 1 = 0 ∨ ∃ m, n✝ + 1 = m + 1", case="succ"),
            NG,
        ),
    ),
    L(
        "theorem ne_zero_of_pos (n : Nat) (h : 0 < n) : n ≠ 0",
        S(N, "h : 0 < n", "n ≠ 0"),
        "intro hn",
        S(N, "h : 0 < n", "hn : n = 0", "False"),
        "rw [hn] at h",
        S(N, "h : 0 < 0", "hn : n = 0", "False"),
        "exact Nat.lt_irrefl 0 h",
        NG,
    ),
    L("theorem max_self' (n : Nat) : max n n = n", S(N, "max n n = n"), "omega", NG),
    L("theorem min_le_left' (a b : Nat) : min a b ≤ a", S("a b : Nat", "min a b ≤ a"), "omega", NG),
    L("theorem le_max_left' (a b : Nat) : a ≤ max a b", S("a b : Nat", "a ≤ max a b"), "omega", NG),
    L(
        "theorem add_mul_two (a b : Nat) : (a + b) * 2 = a * 2 + b * 2",
        S("a b : Nat", "(a + b) * 2 = a * 2 + b * 2"),
        "rw [Nat.add_mul]",
        NG,
    ),
    L(
        "theorem mul_add' (a b c : Nat) : a * (b + c) = a * b + a * c",
        S("a b c : Nat", "a * (b + c) = a * b + a * c"),
        "rw [Nat.mul_add]",
        NG,
    ),
    L(
        "theorem mul_assoc' (a b c : Nat) : a * b * c = a * (b * c)",
        S("a b c : Nat", "a * b * c = a * (b * c)"),
        "rw [Nat.mul_assoc]",
        NG,
    ),
    L(
        "theorem mul_left_comm' (a b c : Nat) : a * (b * c) = b * (a * c)",
        S("a b c : Nat", "a * (b * c) = b * (a * c)"),
        "rw [Nat.mul_left_comm]",
        NG,
    ),
    L(
        "theorem succ_mul_succ (a b : Nat) : (a + 1) * (b + 1) = a * b + a + b + 1",
        S("a b : Nat", "(a + 1) * (b + 1) = a * b + a + b + 1"),
        "rw [Nat.add_mul, Nat.mul_add, Nat.one_mul, Nat.mul_one]",
        S("a b : Nat", "a * b + a + (b + 1) = a * b + a + b + 1"),
        "omega",
        NG,
    ),
    L(
        "theorem mul_comm_assoc (a b c : Nat) : a * b * c = b * (a * c)",
        S("a b c : Nat", "a * b * c = b * (a * c)"),
        "rw [Nat.mul_assoc, Nat.mul_left_comm]",
        NG,
    ),
    L(
        "theorem add_left_cancel' (a b c : Nat) (h : a + b = a + c) : b = c",
        S("a b c : Nat", "h : a + b = a + c", "b = c"),
        "omega",
        NG,
    ),
    L(
        "theorem add_right_cancel' (a b c : Nat) (h : a + c = b + c) : a = b",
        S("a b c : Nat", "h : a + c = b + c", "a = b"),
        "exact Nat.add_right_cancel h",
        NG,
    ),
    L(
        "theorem exists_gt (n : Nat) : ∃ m, n < m",
        S(N, "∃ m, n < m"),
        "exact ⟨n + 1, Nat.lt_succ_self n⟩",
        NG,
    ),
    L(
        "theorem mod_two_cases (n : Nat) : n % 2 = 0 ∨ n % 2 = 1",
        S(N, "n % 2 = 0 ∨ n % 2 = 1"),
        "omega",
        NG,
    ),
    L(
        "theorem mod_two_add_two (n : Nat) : (n + 2) % 2 = n % 2",
        S(N, "(n + 2) % 2 = n % 2"),
        "omega",
        NG,
    ),
    L("theorem div_two_le (n : Nat) : n / 2 ≤ n", S(N, "n / 2 ≤ n"), "omega", NG),
    L(
        "theorem lt_of_lt_of_le' (a b c : Nat) (h₁ : a < b) (h₂ : b ≤ c) : a < c",
        S("a b c : Nat", "h₁ : a < b", "h₂ : b ≤ c", "a < c"),
        "exact Nat.lt_of_lt_of_le h₁ h₂",
        NG,
    ),
    L("theorem not_succ_le_self' (n : Nat) : ¬n + 1 ≤ n", S(N, "¬n + 1 ≤ n"), "omega", NG),
    L(
        "theorem le_of_lt_succ' (m n : Nat) (h : m < n + 1) : m ≤ n",
        S(MN, "h : m < n + 1", "m ≤ n"),
        "omega",
        NG,
    ),
    L(
        "theorem zero_lt_succ' (n : Nat) : 0 < n + 1",
        S(N, "0 < n + 1"),
        "exact Nat.zero_lt_succ n",
        NG,
    ),
    L(
        "theorem succ_le_succ' (m n : Nat) (h : m ≤ n) : m + 1 ≤ n + 1",
        S(MN, "h : m ≤ n", "m + 1 ≤ n + 1"),
        "exact Nat.succ_le_succ h",
        NG,
    ),
    L("theorem le_refl' (n : Nat) : n ≤ n", S(N, "n ≤ n"), "exact Nat.le_refl n", NG),
    L(
        "theorem add_pos_left' (m n : Nat) (h : 0 < m) : 0 < m + n",
        S(MN, "h : 0 < m", "0 < m + n"),
        "omega",
        NG,
    ),
    L(
        "theorem forall_add_zero : ∀ n : Nat, n + 0 = n",
        S("∀ (n : Nat), n + 0 = n"),
        "intro n",
        S(N, "n + 0 = n"),
        "rfl",
        NG,
    ),
    L(
        "theorem add_comm_four (a b c d : Nat) : a + b + (c + d) = d + c + (b + a)",
        S("a b c d : Nat", "a + b + (c + d) = d + c + (b + a)"),
        "omega",
        NG,
    ),
    L(
        "theorem add_sub_cancel_left' (n m : Nat) : n + m - n = m",
        S(NM, "n + m - n = m"),
        "omega",
        NG,
    ),
    T(
        "theorem add_one_le_iff' (m n : Nat) : m + 1 ≤ n ↔ m < n",
        """
constructor
· intro h
  omega
· intro h
  omega
""",
        (
            "constructor",
            S(MN, "m + 1 ≤ n ↔ m < n"),
            M(S(MN, "m + 1 ≤ n → m < n", case="mp"), S(MN, "m < n → m + 1 ≤ n", case="mpr")),
        ),
        (
            "intro h",
            S(MN, "m + 1 ≤ n → m < n", case="mp"),
            S(MN, "h : m + 1 ≤ n", "m < n", case="mp"),
        ),
        ("omega", S(MN, "h : m + 1 ≤ n", "m < n", case="mp"), NG),
        (
            "intro h",
            S(MN, "m < n → m + 1 ≤ n", case="mpr"),
            S(MN, "h : m < n", "m + 1 ≤ n", case="mpr"),
        ),
        ("omega", S(MN, "h : m < n", "m + 1 ≤ n", case="mpr"), NG),
    ),
    L("theorem le_or_lt' (m n : Nat) : m ≤ n ∨ n < m", S(MN, "m ≤ n ∨ n < m"), "omega", NG),
    L(
        "theorem max_comm' (a b : Nat) : max a b = max b a",
        S("a b : Nat", "max a b = max b a"),
        "omega",
        NG,
    ),
    L(
        "theorem min_comm' (a b : Nat) : min a b = min b a",
        S("a b : Nat", "min a b = min b a"),
        "omega",
        NG,
    ),
    L(
        "theorem sub_add_cancel' (n m : Nat) (h : m ≤ n) : n - m + m = n",
        S(NM, "h : m ≤ n", "n - m + m = n"),
        "omega",
        NG,
    ),
    L(
        "theorem mul_le_mul_left' (a b k : Nat) (h : a ≤ b) : k * a ≤ k * b",
        S("a b k : Nat", "h : a ≤ b", "k * a ≤ k * b"),
        "exact Nat.mul_le_mul (Nat.le_refl k) h",
        NG,
    ),
    L(
        "theorem pow_two' (n : Nat) : n ^ 2 = n * n",
        S(N, "n ^ 2 = n * n"),
        "simp [Nat.pow_succ]",
        NG,
    ),
    L(
        "theorem succ_le_of_lt' (m n : Nat) (h : m < n) : m + 1 ≤ n",
        S(MN, "h : m < n", "m + 1 ≤ n"),
        "exact h",
        NG,
    ),
    L(
        "theorem add_lt_add_right' (a b k : Nat) (h : a < b) : a + k < b + k",
        S("a b k : Nat", "h : a < b", "a + k < b + k"),
        "omega",
        NG,
    ),
    L(
        "theorem le_of_add_le_add_left' (a b c : Nat) (h : a + b ≤ a + c) : b ≤ c",
        S("a b c : Nat", "h : a + b ≤ a + c", "b ≤ c"),
        "omega",
        NG,
    ),
    L(
        "theorem exists_eq_add_of_le' (m n : Nat) (h : m ≤ n) : ∃ k, n = m + k",
        S(MN, "h : m ≤ n", "∃ k, n = m + k"),
        "refine ⟨n - m, ?_⟩",
        S(MN, "h : m ≤ n", "n = m + (n - m)"),
        "omega",
        NG,
    ),
    L("theorem exists_two_add_two : ∃ n : Nat, n + n = 4", S("∃ n, n + n = 4"), "exists 2", NG),
]


# ---------------------------------------------------------------------------------------
# TacgenDemo/List.lean
# ---------------------------------------------------------------------------------------

LA = "l : List α"
L12 = "l₁ l₂ : List α"
AB_T = "α β : Type u"

LIST: list[Decl | Thm] = [
    L(
        "theorem nil_append' {α : Type u} (l : List α) : [] ++ l = l",
        S(AU, LA, "[] ++ l = l"),
        "rfl",
        NG,
    ),
    T(
        "theorem append_nil' {α : Type u} (l : List α) : l ++ [] = l",
        """
induction l with
| nil => rfl
| cons x xs ih => rw [List.cons_append, ih]
""",
        (
            "induction l with\n| nil => rfl\n| cons x xs ih => rw [List.cons_append, ih]",
            S(AU, LA, "l ++ [] = l"),
            NG,
        ),
        ("rfl", S(AU, "[] ++ [] = []", case="nil"), NG),
        (
            "rw [List.cons_append, ih]",
            S(
                AU,
                "x : α",
                "xs : List α",
                "ih : xs ++ [] = xs",
                "x :: xs ++ [] = x :: xs",
                case="cons",
            ),
            NG,
        ),
    ),
    L(
        "theorem cons_append' {α : Type u} (a : α) (l₁ l₂ : List α) :\n"
        "    a :: l₁ ++ l₂ = a :: (l₁ ++ l₂)",
        S(AU, "a : α", L12, "a :: l₁ ++ l₂ = a :: (l₁ ++ l₂)"),
        "rfl",
        NG,
    ),
    L(
        "theorem length_append' {α : Type u} (l₁ l₂ : List α) :\n"
        "    (l₁ ++ l₂).length = l₁.length + l₂.length",
        S(AU, L12, "(l₁ ++ l₂).length = l₁.length + l₂.length"),
        "simp [List.length_append]",
        NG,
    ),
    L(
        "theorem length_cons' {α : Type u} (a : α) (l : List α) : (a :: l).length = l.length + 1",
        S(AU, "a : α", LA, "(a :: l).length = l.length + 1"),
        "rfl",
        NG,
    ),
    L(
        "theorem length_nil' {α : Type u} : ([] : List α).length = 0",
        S(AU, "[].length = 0"),
        "rfl",
        NG,
    ),
    L(
        "theorem map_nil' {α β : Type u} (f : α → β) : List.map f [] = []",
        S(AB_T, "f : α → β", "List.map f [] = []"),
        "rfl",
        NG,
    ),
    T(
        "theorem map_id_eq {α : Type u} (l : List α) : l.map id = l",
        """
induction l with
| nil => rfl
| cons x xs ih => simp [List.map, ih]
""",
        (
            "induction l with\n| nil => rfl\n| cons x xs ih => simp [List.map, ih]",
            S(AU, LA, "List.map id l = l"),
            NG,
        ),
        ("rfl", S(AU, "List.map id [] = []", case="nil"), NG),
        (
            "simp [List.map, ih]",
            S(
                AU,
                "x : α",
                "xs : List α",
                "ih : List.map id xs = xs",
                "List.map id (x :: xs) = x :: xs",
                case="cons",
            ),
            NG,
        ),
    ),
    L(
        "theorem length_map' {α β : Type u} (f : α → β) (l : List α) :\n"
        "    (l.map f).length = l.length",
        S(AB_T, "f : α → β", LA, "(List.map f l).length = l.length"),
        "simp",
        NG,
    ),
    L(
        "theorem map_append' {α β : Type u} (f : α → β) (l₁ l₂ : List α) :\n"
        "    (l₁ ++ l₂).map f = l₁.map f ++ l₂.map f",
        S(AB_T, "f : α → β", L12, "List.map f (l₁ ++ l₂) = List.map f l₁ ++ List.map f l₂"),
        "simp [List.map_append]",
        NG,
    ),
    L(
        "theorem map_map' {α β γ : Type u} (f : α → β) (g : β → γ) (l : List α) :\n"
        "    (l.map f).map g = l.map (g ∘ f)",
        S(
            "α β γ : Type u",
            "f : α → β",
            "g : β → γ",
            LA,
            "List.map g (List.map f l) = List.map (g ∘ f) l",
        ),
        "simp [List.map_map]",
        NG,
    ),
    L(
        "theorem map_cons' {α β : Type u} (f : α → β) (x : α) (xs : List α) :\n"
        "    (x :: xs).map f = f x :: xs.map f",
        S(AB_T, "f : α → β", "x : α", "xs : List α", "List.map f (x :: xs) = f x :: List.map f xs"),
        "rfl",
        NG,
    ),
    L(
        "theorem reverse_nil' {α : Type u} : ([] : List α).reverse = []",
        S(AU, "[].reverse = []"),
        "rfl",
        NG,
    ),
    L(
        "theorem reverse_reverse' {α : Type u} (l : List α) : l.reverse.reverse = l",
        S(AU, LA, "l.reverse.reverse = l"),
        "simp",
        NG,
    ),
    L(
        "theorem length_reverse' {α : Type u} (l : List α) : l.reverse.length = l.length",
        S(AU, LA, "l.reverse.length = l.length"),
        "simp",
        NG,
    ),
    L(
        "theorem reverse_append' {α : Type u} (l₁ l₂ : List α) :\n"
        "    (l₁ ++ l₂).reverse = l₂.reverse ++ l₁.reverse",
        S(AU, L12, "(l₁ ++ l₂).reverse = l₂.reverse ++ l₁.reverse"),
        "simp [List.reverse_append]",
        NG,
    ),
    L(
        "theorem reverse_singleton' {α : Type u} (a : α) : [a].reverse = [a]",
        S(AU, "a : α", "[a].reverse = [a]"),
        "rfl",
        NG,
    ),
    Decl("def sum : List Nat → Nat\n  | [] => 0\n  | x :: xs => x + sum xs"),
    L("theorem sum_nil : sum [] = 0", S("sum [] = 0"), "rfl", NG),
    L(
        "theorem sum_cons (x : Nat) (xs : List Nat) : sum (x :: xs) = x + sum xs",
        S("x : Nat", "xs : List Nat", "sum (x :: xs) = x + sum xs"),
        "rfl",
        NG,
    ),
    L(
        "theorem sum_singleton (n : Nat) : sum [n] = n",
        S("n : Nat", "sum [n] = n"),
        "simp [sum]",
        NG,
    ),
    T(
        "theorem sum_append (l₁ l₂ : List Nat) : sum (l₁ ++ l₂) = sum l₁ + sum l₂",
        """
induction l₁ with
| nil => simp [sum]
| cons x xs ih =>
  rw [List.cons_append, sum_cons, sum_cons, ih]
  rw [Nat.add_assoc]
""",
        (
            "induction l₁ with\n| nil => simp [sum]\n| cons x xs ih =>\n"
            "  rw [List.cons_append, sum_cons, sum_cons, ih]\n  rw [Nat.add_assoc]",
            S("l₁ l₂ : List Nat", "sum (l₁ ++ l₂) = sum l₁ + sum l₂"),
            NG,
        ),
        ("simp [sum]", S("l₂ : List Nat", "sum ([] ++ l₂) = sum [] + sum l₂", case="nil"), NG),
        (
            "rw [List.cons_append, sum_cons, sum_cons, ih]",
            S(
                "l₂ : List Nat",
                "x : Nat",
                "xs : List Nat",
                "ih : sum (xs ++ l₂) = sum xs + sum l₂",
                "sum (x :: xs ++ l₂) = sum (x :: xs) + sum l₂",
                case="cons",
            ),
            S(
                "l₂ : List Nat",
                "x : Nat",
                "xs : List Nat",
                "ih : sum (xs ++ l₂) = sum xs + sum l₂",
                "x + (sum xs + sum l₂) = x + sum xs + sum l₂",
                case="cons",
            ),
        ),
        (
            "rw [Nat.add_assoc]",
            S(
                "l₂ : List Nat",
                "x : Nat",
                "xs : List Nat",
                "ih : sum (xs ++ l₂) = sum xs + sum l₂",
                "x + (sum xs + sum l₂) = x + sum xs + sum l₂",
                case="cons",
            ),
            NG,
        ),
    ),
    L(
        "theorem sum_append_singleton (l : List Nat) (n : Nat) : sum (l ++ [n]) = sum l + n",
        S("l : List Nat", "n : Nat", "sum (l ++ [n]) = sum l + n"),
        "rw [sum_append, sum_singleton]",
        NG,
    ),
    T(
        "theorem sum_reverse (l : List Nat) : sum l.reverse = sum l",
        """
induction l with
| nil => rfl
| cons x xs ih =>
  rw [List.reverse_cons, sum_append, ih, sum_singleton, sum_cons]
  omega
""",
        (
            "induction l with\n| nil => rfl\n| cons x xs ih =>\n"
            "  rw [List.reverse_cons, sum_append, ih, sum_singleton, sum_cons]\n  omega",
            S("l : List Nat", "sum l.reverse = sum l"),
            NG,
        ),
        ("rfl", S("sum [].reverse = sum []", case="nil"), NG),
        (
            "rw [List.reverse_cons, sum_append, ih, sum_singleton, sum_cons]",
            S(
                "x : Nat",
                "xs : List Nat",
                "ih : sum xs.reverse = sum xs",
                "sum (x :: xs).reverse = sum (x :: xs)",
                case="cons",
            ),
            S(
                "x : Nat",
                "xs : List Nat",
                "ih : sum xs.reverse = sum xs",
                "sum xs + x = x + sum xs",
                case="cons",
            ),
        ),
        (
            "omega",
            S(
                "x : Nat",
                "xs : List Nat",
                "ih : sum xs.reverse = sum xs",
                "sum xs + x = x + sum xs",
                case="cons",
            ),
            NG,
        ),
    ),
    T(
        "theorem sum_replicate (n a : Nat) : sum (List.replicate n a) = n * a",
        """
induction n with
| zero => simp [sum]
| succ n ih =>
  rw [List.replicate_succ, sum_cons, ih]
  rw [Nat.add_mul, Nat.one_mul, Nat.add_comm]
""",
        (
            "induction n with\n| zero => simp [sum]\n| succ n ih =>\n  rw [List.replicate_succ, sum_cons, ih]\n"
            "  rw [Nat.add_mul, Nat.one_mul, Nat.add_comm]",
            S("n a : Nat", "sum (List.replicate n a) = n * a"),
            NG,
        ),
        ("simp [sum]", S("a : Nat", "sum (List.replicate 0 a) = 0 * a", case="zero"), NG),
        (
            "rw [List.replicate_succ, sum_cons, ih]",
            S(
                "a n : Nat",
                "ih : sum (List.replicate n a) = n * a",
                "sum (List.replicate (n + 1) a) = (n + 1) * a",
                case="succ",
            ),
            S(
                "a n : Nat",
                "ih : sum (List.replicate n a) = n * a",
                "a + n * a = (n + 1) * a",
                case="succ",
            ),
        ),
        (
            "rw [Nat.add_mul, Nat.one_mul, Nat.add_comm]",
            S(
                "a n : Nat",
                "ih : sum (List.replicate n a) = n * a",
                "a + n * a = (n + 1) * a",
                case="succ",
            ),
            NG,
        ),
    ),
    T(
        "theorem sum_zeros (n : Nat) : sum (List.replicate n 0) = 0",
        """
induction n with
| zero => rfl
| succ n ih => simp [List.replicate_succ, sum_cons, ih]
""",
        (
            "induction n with\n| zero => rfl\n| succ n ih => simp [List.replicate_succ, sum_cons, ih]",
            S("n : Nat", "sum (List.replicate n 0) = 0"),
            NG,
        ),
        ("rfl", S("sum (List.replicate 0 0) = 0", case="zero"), NG),
        (
            "simp [List.replicate_succ, sum_cons, ih]",
            S(
                "n : Nat",
                "ih : sum (List.replicate n 0) = 0",
                "sum (List.replicate (n + 1) 0) = 0",
                case="succ",
            ),
            NG,
        ),
    ),
    Decl("def snoc {α : Type u} (l : List α) (a : α) : List α := l ++ [a]"),
    L(
        "theorem snoc_eq {α : Type u} (l : List α) (a : α) : snoc l a = l ++ [a]",
        S(AU, LA, "a : α", "snoc l a = l ++ [a]"),
        "rfl",
        NG,
    ),
    L(
        "theorem snoc_nil {α : Type u} (a : α) : snoc [] a = [a]",
        S(AU, "a : α", "snoc [] a = [a]"),
        "rfl",
        NG,
    ),
    L(
        "theorem length_snoc {α : Type u} (l : List α) (a : α) : (snoc l a).length = l.length + 1",
        S(AU, LA, "a : α", "(snoc l a).length = l.length + 1"),
        "simp [snoc]",
        NG,
    ),
    L(
        "theorem reverse_snoc {α : Type u} (l : List α) (a : α) :\n"
        "    (snoc l a).reverse = a :: l.reverse",
        S(AU, LA, "a : α", "(snoc l a).reverse = a :: l.reverse"),
        "unfold snoc",
        S(AU, LA, "a : α", "(l ++ [a]).reverse = a :: l.reverse"),
        "simp",
        NG,
    ),
    L(
        "theorem mem_cons_self' {α : Type u} (a : α) (l : List α) : a ∈ a :: l",
        S(AU, "a : α", LA, "a ∈ a :: l"),
        "simp",
        NG,
    ),
    L(
        "theorem mem_append_left' {α : Type u} (a : α) (l₁ l₂ : List α) (h : a ∈ l₁) :\n"
        "    a ∈ l₁ ++ l₂",
        S(AU, "a : α", L12, "h : a ∈ l₁", "a ∈ l₁ ++ l₂"),
        "rw [List.mem_append]",
        S(AU, "a : α", L12, "h : a ∈ l₁", "a ∈ l₁ ∨ a ∈ l₂"),
        "exact Or.inl h",
        NG,
    ),
    L(
        "theorem mem_singleton' {α : Type u} (a b : α) : a ∈ [b] ↔ a = b",
        S(AU, "a b : α", "a ∈ [b] ↔ a = b"),
        "simp",
        NG,
    ),
    L(
        "theorem mem_reverse' {α : Type u} (a : α) (l : List α) : a ∈ l.reverse ↔ a ∈ l",
        S(AU, "a : α", LA, "a ∈ l.reverse ↔ a ∈ l"),
        "simp",
        NG,
    ),
    L(
        "theorem mem_map_of_mem' {α β : Type u} (f : α → β) (a : α) (l : List α) (h : a ∈ l) :\n"
        "    f a ∈ l.map f",
        S(AB_T, "f : α → β", "a : α", LA, "h : a ∈ l", "f a ∈ List.map f l"),
        "exact List.mem_map.mpr ⟨a, h, rfl⟩",
        NG,
    ),
    L(
        "theorem length_replicate' {α : Type u} (n : Nat) (a : α) : (List.replicate n a).length = n",
        S(AU, "n : Nat", "a : α", "(List.replicate n a).length = n"),
        "simp",
        NG,
    ),
    L(
        "theorem replicate_succ' {α : Type u} (n : Nat) (a : α) :\n"
        "    List.replicate (n + 1) a = a :: List.replicate n a",
        S(AU, "n : Nat", "a : α", "List.replicate (n + 1) a = a :: List.replicate n a"),
        "rfl",
        NG,
    ),
    T(
        "theorem length_eq_zero' {α : Type u} (l : List α) : l.length = 0 ↔ l = []",
        """
constructor
· intro h
  cases l with
  | nil => rfl
  | cons x xs => simp at h
· intro h
  subst h
  rfl
""",
        (
            "constructor",
            S(AU, LA, "l.length = 0 ↔ l = []"),
            M(
                S(AU, LA, "l.length = 0 → l = []", case="mp"),
                S(AU, LA, "l = [] → l.length = 0", case="mpr"),
            ),
        ),
        (
            "intro h",
            S(AU, LA, "l.length = 0 → l = []", case="mp"),
            S(AU, LA, "h : l.length = 0", "l = []", case="mp"),
        ),
        (
            "cases l with\n| nil => rfl\n| cons x xs => simp at h",
            S(AU, LA, "h : l.length = 0", "l = []", case="mp"),
            NG,
        ),
        ("rfl", S(AU, "h : [].length = 0", "[] = []", case="mp.nil"), NG),
        (
            "simp at h",
            S(
                AU,
                "x : α",
                "xs : List α",
                "h : (x :: xs).length = 0",
                "x :: xs = []",
                case="mp.cons",
            ),
            NG,
        ),
        (
            "intro h",
            S(AU, LA, "l = [] → l.length = 0", case="mpr"),
            S(AU, LA, "h : l = []", "l.length = 0", case="mpr"),
        ),
        (
            "subst h",
            S(AU, LA, "h : l = []", "l.length = 0", case="mpr"),
            S(AU, "[].length = 0", case="mpr"),
        ),
        ("rfl", S(AU, "[].length = 0", case="mpr"), NG),
    ),
    T(
        "theorem append_assoc' {α : Type u} (l₁ l₂ l₃ : List α) :\n"
        "    l₁ ++ l₂ ++ l₃ = l₁ ++ (l₂ ++ l₃)",
        """
induction l₁ with
| nil => rfl
| cons x xs ih => simp [ih]
""",
        (
            "induction l₁ with\n| nil => rfl\n| cons x xs ih => simp [ih]",
            S(AU, "l₁ l₂ l₃ : List α", "l₁ ++ l₂ ++ l₃ = l₁ ++ (l₂ ++ l₃)"),
            NG,
        ),
        ("rfl", S(AU, "l₂ l₃ : List α", "[] ++ l₂ ++ l₃ = [] ++ (l₂ ++ l₃)", case="nil"), NG),
        (
            "simp [ih]",
            S(
                AU,
                "l₂ l₃ : List α",
                "x : α",
                "xs : List α",
                "ih : xs ++ l₂ ++ l₃ = xs ++ (l₂ ++ l₃)",
                "x :: xs ++ l₂ ++ l₃ = x :: xs ++ (l₂ ++ l₃)",
                case="cons",
            ),
            NG,
        ),
    ),
    T(
        "theorem length_pos_of_mem' {α : Type u} (a : α) (l : List α) (h : a ∈ l) : 0 < l.length",
        """
cases l with
| nil => simp at h
| cons x xs => simp
""",
        (
            "cases l with\n| nil => simp at h\n| cons x xs => simp",
            S(AU, "a : α", LA, "h : a ∈ l", "0 < l.length"),
            NG,
        ),
        ("simp at h", S(AU, "a : α", "h : a ∈ []", "0 < [].length", case="nil"), NG),
        (
            "simp",
            S(AU, "a x : α", "xs : List α", "h : a ∈ x :: xs", "0 < (x :: xs).length", case="cons"),
            NG,
        ),
    ),
    L(
        "theorem filter_nil' {α : Type u} (p : α → Bool) : List.filter p [] = []",
        S(AU, "p : α → Bool", "List.filter p [] = []"),
        "rfl",
        NG,
    ),
    L(
        "theorem length_filter_le' {α : Type u} (p : α → Bool) (l : List α) :\n"
        "    (l.filter p).length ≤ l.length",
        S(AU, "p : α → Bool", LA, "(List.filter p l).length ≤ l.length"),
        "exact List.length_filter_le p l",
        NG,
    ),
    L(
        "theorem filter_append' {α : Type u} (p : α → Bool) (l₁ l₂ : List α) :\n"
        "    (l₁ ++ l₂).filter p = l₁.filter p ++ l₂.filter p",
        S(
            AU,
            "p : α → Bool",
            L12,
            "List.filter p (l₁ ++ l₂) = List.filter p l₁ ++ List.filter p l₂",
        ),
        "simp [List.filter_append]",
        NG,
    ),
    L(
        "theorem head?_cons' {α : Type u} (a : α) (l : List α) : (a :: l).head? = some a",
        S(AU, "a : α", LA, "(a :: l).head? = some a"),
        "rfl",
        NG,
    ),
    L(
        "theorem head?_nil' {α : Type u} : ([] : List α).head? = none",
        S(AU, "[].head? = none"),
        "rfl",
        NG,
    ),
    L(
        "theorem isEmpty_nil' {α : Type u} : ([] : List α).isEmpty = true",
        S(AU, "[].isEmpty = true"),
        "rfl",
        NG,
    ),
    Decl("def doubleAll (l : List Nat) : List Nat := l.map Nat.double"),
    L("theorem doubleAll_nil : doubleAll [] = []", S("doubleAll [] = []"), "rfl", NG),
    L(
        "theorem doubleAll_cons (x : Nat) (xs : List Nat) :\n"
        "    doubleAll (x :: xs) = Nat.double x :: doubleAll xs",
        S("x : Nat", "xs : List Nat", "doubleAll (x :: xs) = Nat.double x :: doubleAll xs"),
        "rfl",
        NG,
    ),
    L(
        "theorem doubleAll_length (l : List Nat) : (doubleAll l).length = l.length",
        S("l : List Nat", "(doubleAll l).length = l.length"),
        "simp [doubleAll]",
        NG,
    ),
    T(
        "theorem sum_doubleAll (l : List Nat) : sum (doubleAll l) = 2 * sum l",
        """
induction l with
| nil => rfl
| cons x xs ih =>
  rw [doubleAll_cons, sum_cons, sum_cons, ih, Nat.double_eq]
  omega
""",
        (
            "induction l with\n| nil => rfl\n| cons x xs ih =>\n"
            "  rw [doubleAll_cons, sum_cons, sum_cons, ih, Nat.double_eq]\n  omega",
            S("l : List Nat", "sum (doubleAll l) = 2 * sum l"),
            NG,
        ),
        ("rfl", S("sum (doubleAll []) = 2 * sum []", case="nil"), NG),
        (
            "rw [doubleAll_cons, sum_cons, sum_cons, ih, Nat.double_eq]",
            S(
                "x : Nat",
                "xs : List Nat",
                "ih : sum (doubleAll xs) = 2 * sum xs",
                "sum (doubleAll (x :: xs)) = 2 * sum (x :: xs)",
                case="cons",
            ),
            S(
                "x : Nat",
                "xs : List Nat",
                "ih : sum (doubleAll xs) = 2 * sum xs",
                "2 * x + 2 * sum xs = 2 * (x + sum xs)",
                case="cons",
            ),
        ),
        (
            "omega",
            S(
                "x : Nat",
                "xs : List Nat",
                "ih : sum (doubleAll xs) = 2 * sum xs",
                "2 * x + 2 * sum xs = 2 * (x + sum xs)",
                case="cons",
            ),
            NG,
        ),
    ),
    L(
        "theorem append_ne_nil_of_left {α : Type u} (l₁ l₂ : List α) (h : l₁ ≠ []) :\n"
        "    l₁ ++ l₂ ≠ []",
        S(AU, L12, "h : l₁ ≠ []", "l₁ ++ l₂ ≠ []"),
        "simp [h]",
        NG,
    ),
    L(
        "theorem cons_ne_nil' {α : Type u} (a : α) (l : List α) : a :: l ≠ []",
        S(AU, "a : α", LA, "a :: l ≠ []"),
        "intro h",
        S(AU, "a : α", LA, "h : a :: l = []", "False"),
        "cases h",
        NG,
    ),
    T(
        "theorem exists_mem_of_ne_nil' {α : Type u} (l : List α) (h : l ≠ []) : ∃ x, x ∈ l",
        """
cases l with
| nil => contradiction
| cons y ys => exact ⟨y, List.Mem.head ys⟩
""",
        (
            "cases l with\n| nil => contradiction\n| cons y ys => exact ⟨y, List.Mem.head ys⟩",
            S(AU, LA, "h : l ≠ []", "∃ x, x ∈ l"),
            NG,
        ),
        ("contradiction", S(AU, "h : [] ≠ []", "∃ x, x ∈ []", case="nil"), NG),
        (
            "exact ⟨y, List.Mem.head ys⟩",
            S(AU, "y : α", "ys : List α", "h : y :: ys ≠ []", "∃ x, x ∈ y :: ys", case="cons"),
            NG,
        ),
    ),
    L(
        "theorem ne_nil_of_length_pos' {α : Type u} (l : List α) (h : 0 < l.length) : l ≠ []",
        S(AU, LA, "h : 0 < l.length", "l ≠ []"),
        "intro hl",
        S(AU, LA, "h : 0 < l.length", "hl : l = []", "False"),
        "rw [hl] at h",
        S(AU, LA, "h : 0 < [].length", "hl : l = []", "False"),
        "simp at h",
        NG,
    ),
    L(
        "theorem take_zero' {α : Type u} (l : List α) : l.take 0 = []",
        S(AU, LA, "List.take 0 l = []"),
        "rfl",
        NG,
    ),
    L(
        "theorem drop_zero' {α : Type u} (l : List α) : l.drop 0 = l",
        S(AU, LA, "List.drop 0 l = l"),
        "rfl",
        NG,
    ),
    L(
        "theorem take_append_drop' {α : Type u} (n : Nat) (l : List α) :\n"
        "    l.take n ++ l.drop n = l",
        S(AU, "n : Nat", LA, "List.take n l ++ List.drop n l = l"),
        "simp",
        NG,
    ),
    L(
        "theorem length_append_comm {α : Type u} (l₁ l₂ : List α) :\n"
        "    (l₁ ++ l₂).length = (l₂ ++ l₁).length",
        S(AU, L12, "(l₁ ++ l₂).length = (l₂ ++ l₁).length"),
        "simp only [List.length_append]",
        S(AU, L12, "l₁.length + l₂.length = l₂.length + l₁.length"),
        "omega",
        NG,
    ),
    L(
        "theorem length_reverse_append {α : Type u} (l₁ l₂ : List α) :\n"
        "    (l₁.reverse ++ l₂).length = l₁.length + l₂.length",
        S(AU, L12, "(l₁.reverse ++ l₂).length = l₁.length + l₂.length"),
        "simp",
        NG,
    ),
    L(
        "theorem length_append_singleton_pos {α : Type u} (l : List α) (a : α) :\n"
        "    0 < (l ++ [a]).length",
        S(AU, LA, "a : α", "0 < (l ++ [a]).length"),
        "simp",
        NG,
    ),
    L(
        "theorem length_cons_cons {α : Type u} (a b : α) (l : List α) :\n"
        "    (a :: b :: l).length = l.length + 2",
        S(AU, "a b : α", LA, "(a :: b :: l).length = l.length + 2"),
        "rfl",
        NG,
    ),
    L(
        "theorem map_reverse' {α β : Type u} (f : α → β) (l : List α) :\n"
        "    l.reverse.map f = (l.map f).reverse",
        S(AB_T, "f : α → β", LA, "List.map f l.reverse = (List.map f l).reverse"),
        "simp [List.map_reverse]",
        NG,
    ),
]

# (module path, namespace, imports (demo module paths), universe line?, docstring, decls)
DEMO_FILES = [
    (
        "TacgenDemo/Logic.lean",
        "TacgenDemo.Logic",
        [],
        True,
        "Propositional logic, quantifiers, equality and function composition.",
        LOGIC,
    ),
    (
        "TacgenDemo/Bool.lean",
        "TacgenDemo.Bool",
        ["TacgenDemo/Logic.lean"],
        True,
        "Booleans: case analysis, `decide` and a few definitions.",
        BOOL,
    ),
    (
        "TacgenDemo/Nat.lean",
        "TacgenDemo.Nat",
        ["TacgenDemo/Logic.lean"],
        False,
        "Natural numbers: arithmetic, induction and recursive definitions.",
        NAT,
    ),
    (
        "TacgenDemo/List.lean",
        "TacgenDemo.List",
        ["TacgenDemo/Nat.lean"],
        True,
        "Lists: append, map, reverse, membership and a sum.",
        LIST,
    ),
]
