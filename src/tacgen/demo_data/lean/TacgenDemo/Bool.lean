/-
Copyright (c) 2025 The tacgen team. All rights reserved.
Released under the MIT license, as the rest of tacgen.
-/
import TacgenDemo.Logic

/-!
# Booleans: case analysis, `decide` and a few definitions.

Hand-written for tacgen's demo dataset; see
`src/tacgen/demo_data/README.md`. Proof states are recorded in the dataset.
-/

universe u

namespace TacgenDemo.Bool

theorem and_true' (b : Bool) : (b && true) = b := by
  cases b <;> rfl

theorem or_false' (b : Bool) : (b || false) = b := by
  cases b <;> rfl

theorem not_not' (b : Bool) : (!!b) = b := by
  cases b <;> rfl

theorem and_comm' (a b : Bool) : (a && b) = (b && a) := by
  cases a <;> cases b <;> rfl

theorem or_comm' (a b : Bool) : (a || b) = (b || a) := by
  cases a <;> cases b <;> rfl

theorem and_self' (b : Bool) : (b && b) = b := by
  cases b <;> rfl

theorem not_and_self' (b : Bool) : (!b && b) = false := by
  cases b with
  | false => rfl
  | true => rfl

theorem or_not_self' (b : Bool) : (b || !b) = true := by
  cases b <;> rfl

theorem and_false' (b : Bool) : (b && false) = false := by
  simp

theorem or_true' (b : Bool) : (b || true) = true := by
  simp

theorem eq_true_of_not_eq_false (b : Bool) (h : (!b) = false) : b = true := by
  cases b with
  | false => simp at h
  | true => rfl

theorem decide_one_add_one : decide (1 + 1 = 2) = true := by
  rfl

def majority (a b c : Bool) : Bool :=
  (a && b) || (b && c) || (a && c)

theorem majority_self (a b : Bool) : majority a a b = a := by
  cases a <;> cases b <;> rfl

theorem majority_comm (a b c : Bool) : majority a b c = majority b a c := by
  unfold majority
  cases a <;> cases b <;> cases c <;> rfl

theorem majority_true_true (c : Bool) : majority true true c = true := by
  rfl

theorem majority_false_false (c : Bool) : majority false false c = false := by
  simp [majority]

def implies (a b : Bool) : Bool := !a || b

theorem implies_self (a : Bool) : implies a a = true := by
  cases a <;> rfl

theorem implies_true' (a : Bool) : implies a true = true := by
  simp [implies]

theorem implies_of_false (b : Bool) : implies false b = true := by
  rfl

theorem and_eq_true_iff' (a b : Bool) : (a && b) = true ↔ a = true ∧ b = true := by
  simp

theorem or_eq_true_iff' (a b : Bool) : (a || b) = true ↔ a = true ∨ b = true := by
  simp

theorem not_eq_true_iff' (b : Bool) : (!b) = true ↔ b = false := by
  cases b <;> simp

theorem eq_false_or_eq_true' (b : Bool) : b = false ∨ b = true := by
  cases b with
  | false => exact Or.inl rfl
  | true => exact Or.inr rfl

theorem beq_self' (n : Nat) : (n == n) = true := by
  simp

theorem and_or_distrib' (a b c : Bool) :
    (a && (b || c)) = ((a && b) || (a && c)) := by
  cases a <;> cases b <;> cases c <;> rfl

theorem not_or' (a b : Bool) : (!(a || b)) = (!a && !b) := by
  cases a <;> cases b <;> rfl

theorem ite_self' {α : Type u} (p : Prop) [Decidable p] (a : α) :
    (if p then a else a) = a := by
  split <;> rfl

theorem ite_true_eq' {α : Type u} (a b : α) : (if True then a else b) = a := by
  simp

theorem decide_eq_true_iff' (p : Prop) [Decidable p] : decide p = true ↔ p := by
  simp

theorem and_eq_true_left' (a b : Bool) (h : (a && b) = true) : a = true := by
  simp at h
  exact h.1

theorem or_eq_false_iff' (a b : Bool) : (a || b) = false ↔ a = false ∧ b = false := by
  cases a <;> cases b <;> simp

theorem cases_bool_example (b : Bool) (p : Bool → Prop) (h0 : p false) (h1 : p true) :
    p b := by
  cases b with
  | false => exact h0
  | true => exact h1

theorem bool_dichotomy (b : Bool) (h : b ≠ true) : b = false := by
  cases b with
  | false => rfl
  | true => contradiction

theorem decide_eq_true_of_eq (n : Nat) (h : n = 3) : decide (n = 3) = true := by
  simp [h]

end TacgenDemo.Bool
