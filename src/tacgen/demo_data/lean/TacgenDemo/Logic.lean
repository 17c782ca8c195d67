/-
Copyright (c) 2025 The tacgen team. All rights reserved.
Released under the MIT license, as the rest of tacgen.
-/

/-!
# Propositional logic, quantifiers, equality and function composition.

Hand-written for tacgen's demo dataset; see
`src/tacgen/demo_data/README.md`. Proof states are recorded in the dataset.
-/

universe u

namespace TacgenDemo.Logic

theorem and_swap (p q : Prop) (h : p ∧ q) : q ∧ p := by
  obtain ⟨hp, hq⟩ := h
  exact ⟨hq, hp⟩

theorem and_comm_imp (p q : Prop) : p ∧ q → q ∧ p := by
  intro h
  constructor
  · exact h.2
  · exact h.1

theorem or_comm_imp (p q : Prop) : p ∨ q → q ∨ p := by
  intro h
  cases h with
  | inl hp => exact Or.inr hp
  | inr hq => exact Or.inl hq

theorem imp_trans' (p q r : Prop) (hpq : p → q) (hqr : q → r) : p → r := by
  intro hp
  exact hqr (hpq hp)

theorem not_not_intro' (p : Prop) (hp : p) : ¬¬p := by
  intro hn
  exact hn hp

theorem and_self_iff' (p : Prop) : p ∧ p ↔ p := by
  constructor
  · intro h
    exact h.1
  · intro h
    exact ⟨h, h⟩

theorem or_self_iff' (p : Prop) : p ∨ p ↔ p := by
  constructor
  · intro h
    cases h with
    | inl hp => exact hp
    | inr hp => exact hp
  · intro hp
    exact Or.inl hp

theorem iff_comm' (p q : Prop) : (p ↔ q) ↔ (q ↔ p) := by
  constructor
  · intro h
    exact h.symm
  · intro h
    exact h.symm

theorem exists_add_one (n : Nat) : ∃ m, m = n + 1 := by
  exact ⟨n + 1, rfl⟩

theorem exists_imp' {α : Type u} (p q : α → Prop) (h : ∀ x, p x → q x)
    (hp : ∃ x, p x) : ∃ x, q x := by
  obtain ⟨x, hx⟩ := hp
  exact ⟨x, h x hx⟩

theorem forall_and_left' {α : Type u} (p q : α → Prop) :
    (∀ x, p x ∧ q x) → ∀ x, p x := by
  intro h x
  exact (h x).1

theorem not_or_of_not_not (p q : Prop) (hp : ¬p) (hq : ¬q) : ¬(p ∨ q) := by
  intro h
  cases h with
  | inl h1 => exact hp h1
  | inr h2 => exact hq h2

theorem mt' (p q : Prop) (h : p → q) (hnq : ¬q) : ¬p := by
  intro hp
  exact hnq (h hp)

theorem absurd_example (p q : Prop) (hp : p) (hnp : ¬p) : q := by
  exact absurd hp hnp

theorem false_elim' (p : Prop) (h : False) : p := by
  exact False.elim h

theorem and_or_left' (p q r : Prop) (h : p ∧ (q ∨ r)) : (p ∧ q) ∨ (p ∧ r) := by
  obtain ⟨hp, hq | hr⟩ := h
  · exact Or.inl ⟨hp, hq⟩
  · exact Or.inr ⟨hp, hr⟩

theorem iff_of_both (p q : Prop) (hp : p) (hq : q) : p ↔ q := by
  constructor
  · intro _
    exact hq
  · intro _
    exact hp

theorem modus_ponens' (p q : Prop) (hp : p) (hpq : p → q) : q := by
  apply hpq
  exact hp

theorem and_imp' (p q r : Prop) : (p ∧ q → r) → p → q → r := by
  intro h hp hq
  exact h ⟨hp, hq⟩

theorem curry' (p q r : Prop) : (p → q → r) → p ∧ q → r := by
  intro h hpq
  exact h hpq.1 hpq.2

theorem or_imp' (p q r : Prop) (hpr : p → r) (hqr : q → r) : p ∨ q → r := by
  intro h
  exact h.elim hpr hqr

theorem not_and_of_not_left (p q : Prop) (hnp : ¬p) : ¬(p ∧ q) := by
  intro h
  exact hnp h.1

theorem comp_id' {α β : Type u} (f : α → β) : f ∘ id = f := by
  funext x
  rfl

theorem id_comp' {α β : Type u} (f : α → β) : id ∘ f = f := by
  funext x
  rfl

theorem comp_assoc' {α β γ δ : Type u} (f : γ → δ) (g : β → γ) (h : α → β) :
    (f ∘ g) ∘ h = f ∘ (g ∘ h) := by
  rfl

theorem comp_apply' {α β γ : Type u} (f : β → γ) (g : α → β) (x : α) :
    (f ∘ g) x = f (g x) := by
  rw [Function.comp_apply]

theorem comp_injective {α β γ : Type u} (f : β → γ) (g : α → β)
    (hf : ∀ a b, f a = f b → a = b) (hg : ∀ a b, g a = g b → a = b) :
    ∀ a b, (f ∘ g) a = (f ∘ g) b → a = b := by
  intro a b h
  exact hg a b (hf (g a) (g b) h)

theorem const_apply' {α β : Type u} (a : α) (b : β) : Function.const β a b = a := by
  rfl

theorem eq_comm' {α : Type u} (a b : α) : a = b ↔ b = a := by
  constructor
  · intro h
    exact h.symm
  · intro h
    exact h.symm

theorem eq_trans' {α : Type u} (a b c : α) (h₁ : a = b) (h₂ : b = c) : a = c := by
  rw [h₁]
  exact h₂

theorem congr_fun' {α β : Type u} (f g : α → β) (h : f = g) (x : α) : f x = g x := by
  rw [h]

theorem subst_example {α : Type u} (p : α → Prop) (a b : α) (h : a = b) (ha : p a) :
    p b := by
  rw [← h]
  exact ha

theorem exists_eq' {α : Type u} (a : α) : ∃ x, x = a := by
  exact ⟨a, rfl⟩

theorem forall_imp_exists {α : Type u} (p : α → Prop) (a : α) (h : ∀ x, p x) :
    ∃ x, p x := by
  exact ⟨a, h a⟩

theorem not_exists_of_forall_not {α : Type u} (p : α → Prop) (h : ∀ x, ¬p x) :
    ¬∃ x, p x := by
  intro hex
  obtain ⟨x, hx⟩ := hex
  exact h x hx

theorem true_and_iff' (p : Prop) : True ∧ p ↔ p := by
  simp

theorem and_true_iff' (p : Prop) : p ∧ True ↔ p := by
  simp

theorem or_false_iff' (p : Prop) : p ∨ False ↔ p := by
  simp

theorem not_true_iff' : ¬True ↔ False := by
  simp

theorem imp_self' (p : Prop) : p → p := by
  intro h
  exact h

theorem and_assoc' (p q r : Prop) : (p ∧ q) ∧ r → p ∧ (q ∧ r) := by
  intro h
  exact ⟨h.1.1, h.1.2, h.2⟩

theorem exists_and_left' {α : Type u} (p : α → Prop) (q : Prop) (h : ∃ x, q ∧ p x) : q := by
  obtain ⟨x, hq, hpx⟩ := h
  exact hq

theorem dne_of_em (p : Prop) (h : p ∨ ¬p) (hnn : ¬¬p) : p := by
  cases h with
  | inl hp => exact hp
  | inr hnp => exact absurd hnp hnn

theorem em' (p : Prop) : p ∨ ¬p := by
  exact Classical.em p

theorem by_cases_example (p q : Prop) (hpq : p → q) (hnpq : ¬p → q) : q := by
  by_cases hp : p
  · exact hpq hp
  · exact hnpq hp

theorem iff_trans' (p q r : Prop) (h₁ : p ↔ q) (h₂ : q ↔ r) : p ↔ r := by
  rw [h₁]
  exact h₂

theorem iff_of_eq' (p q : Prop) (h : p = q) : p ↔ q := by
  rw [h]

theorem ne_comm' {α : Type u} (a b : α) (h : a ≠ b) : b ≠ a := by
  intro hba
  exact h hba.symm

theorem and_not_self' (p : Prop) : ¬(p ∧ ¬p) := by
  intro h
  exact h.2 h.1

theorem imp_not_comm' (p q : Prop) (h : p → ¬q) : q → ¬p := by
  intro hq hp
  exact h hp hq

theorem or_elim_example (p q : Prop) (h : p ∨ q) (hp : p → q) : q := by
  rcases h with hp' | hq
  · exact hp hp'
  · exact hq

theorem exists_comm' {α β : Type u} (p : α → β → Prop) (h : ∃ a b, p a b) :
    ∃ b a, p a b := by
  obtain ⟨a, b, hab⟩ := h
  exact ⟨b, a, hab⟩

theorem forall_swap' {α β : Type u} (p : α → β → Prop) (h : ∀ a b, p a b) :
    ∀ b a, p a b := by
  intro b a
  exact h a b

theorem and_or_distrib_mpr (p q r : Prop) (h : p ∧ q ∨ p ∧ r) : p ∧ (q ∨ r) := by
  rcases h with ⟨hp, hq⟩ | ⟨hp, hr⟩
  · exact ⟨hp, Or.inl hq⟩
  · exact ⟨hp, Or.inr hr⟩

theorem not_or_iff' (p q : Prop) : ¬(p ∨ q) ↔ ¬p ∧ ¬q := by
  constructor
  · intro h
    exact ⟨fun hp => h (Or.inl hp), fun hq => h (Or.inr hq)⟩
  · intro h hpq
    cases hpq with
    | inl hp => exact h.1 hp
    | inr hq => exact h.2 hq

theorem exists_or_left' {α : Type u} (p q : α → Prop) (h : ∃ x, p x) :
    ∃ x, p x ∨ q x := by
  obtain ⟨x, hx⟩ := h
  exact ⟨x, Or.inl hx⟩

theorem forall_and_iff' {α : Type u} (p q : α → Prop) :
    (∀ x, p x ∧ q x) ↔ (∀ x, p x) ∧ (∀ x, q x) := by
  constructor
  · intro h
    exact ⟨fun x => (h x).1, fun x => (h x).2⟩
  · intro h x
    exact ⟨h.1 x, h.2 x⟩

theorem not_forall_of_exists_not {α : Type u} (p : α → Prop) (h : ∃ x, ¬p x) :
    ¬∀ x, p x := by
  intro hall
  obtain ⟨x, hx⟩ := h
  exact hx (hall x)

theorem or_resolve' (p q : Prop) (h : p ∨ q) (hnp : ¬p) : q := by
  cases h with
  | inl hp => exact absurd hp hnp
  | inr hq => exact hq

theorem and_left_comm' (p q r : Prop) (h : p ∧ q ∧ r) : q ∧ p ∧ r := by
  obtain ⟨hp, hq, hr⟩ := h
  exact ⟨hq, hp, hr⟩

theorem imp_and' (p q r : Prop) (hq : p → q) (hr : p → r) : p → q ∧ r := by
  intro hp
  constructor
  · exact hq hp
  · exact hr hp

theorem exists_of_exists_and {α : Type u} (p q : α → Prop) (h : ∃ x, p x ∧ q x) :
    ∃ x, q x := by
  obtain ⟨x, _, hq⟩ := h
  exact ⟨x, hq⟩

theorem comp_const' {α β γ : Type u} (f : β → γ) (b : β) :
    f ∘ Function.const α b = Function.const α (f b) := by
  funext x
  rfl

theorem id_apply' {α : Type u} (a : α) : id a = a := by
  rfl

theorem id_injective' {α : Type u} : ∀ a b : α, id a = id b → a = b := by
  intro a b h
  exact h

theorem comp_eq_of_eq {α β γ : Type u} (f : β → γ) (g₁ g₂ : α → β) (h : g₁ = g₂) :
    f ∘ g₁ = f ∘ g₂ := by
  rw [h]

theorem funext_example {α β : Type u} (f g : α → β) (h : ∀ x, f x = g x) : f = g := by
  funext x
  exact h x

theorem congrArg_example {α β : Type u} (f : α → β) (a b : α) (h : a = b) : f a = f b := by
  exact congrArg f h

theorem eq_symm_example {α : Type u} (a b : α) (h : a = b) : b = a := by
  exact Eq.symm h

theorem eq_trans_example {α : Type u} (a b c : α) (h₁ : a = b) (h₂ : b = c) : a = c := by
  exact Eq.trans h₁ h₂

theorem and_elim_left' (p q : Prop) (h : p ∧ q) : p := by
  cases h
  assumption

theorem imp_intro' (p q : Prop) (hq : q) : p → q := by
  intro
  exact hq

theorem exfalso_example (p : Prop) (h : False) : p := by
  exfalso
  exact h

theorem specialize_example {α : Type u} (p : α → Prop) (a : α) (h : ∀ x, p x) : p a := by
  specialize h a
  exact h

theorem true_intro' : True := by
  trivial

theorem true_of_any (p : Prop) (hp : p) : True := by
  exact True.intro

theorem by_contradiction' (p : Prop) (h : ¬¬p) : p := by
  exact Classical.byContradiction h

theorem iff_of_imp_imp (p q : Prop) (h₁ : p → q) (h₂ : q → p) : p ↔ q := by
  apply Iff.intro
  · exact h₁
  · exact h₂

theorem and_intro_example (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  apply And.intro
  · exact hp
  · exact hq

theorem iff_intro_example (p q : Prop) (h₁ : p → q) (h₂ : q → p) : p ↔ q := by
  exact ⟨h₁, h₂⟩

end TacgenDemo.Logic
