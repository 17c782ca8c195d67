/-
Copyright (c) 2025 The tacgen team. All rights reserved.
Released under the MIT license, as the rest of tacgen.
-/
import TacgenDemo.Logic

/-!
# Natural numbers: arithmetic, induction and recursive definitions.

Hand-written for tacgen's demo dataset; see
`src/tacgen/demo_data/README.md`. Proof states are recorded in the dataset.
-/

namespace TacgenDemo.Nat

def double (n : Nat) : Nat := n + n

theorem add_zero' (n : Nat) : n + 0 = n := by
  rfl

theorem zero_add' (n : Nat) : 0 + n = n := by
  induction n with
  | zero => rfl
  | succ n ih => rw [← Nat.add_assoc, ih]

theorem succ_add' (n m : Nat) : (n + 1) + m = (n + m) + 1 := by
  induction m with
  | zero => rfl
  | succ m ih => omega

theorem add_comm_three (a b c : Nat) : a + b + c = c + (a + b) := by
  rw [Nat.add_comm]

theorem add_assoc' (a b c : Nat) : a + b + c = a + (b + c) := by
  rw [Nat.add_assoc]

theorem add_right_comm' (a b c : Nat) : a + b + c = a + c + b := by
  omega

theorem mul_comm' (a b : Nat) : a * b = b * a := by
  rw [Nat.mul_comm]

theorem mul_one' (n : Nat) : n * 1 = n := by
  simp

theorem one_mul' (n : Nat) : 1 * n = n := by
  simp

theorem mul_zero' (n : Nat) : n * 0 = 0 := by
  rfl

theorem zero_mul' (n : Nat) : 0 * n = 0 := by
  induction n with
  | zero => rfl
  | succ n ih => simp [Nat.mul_succ, ih]

theorem double_eq (n : Nat) : double n = 2 * n := by
  unfold double
  omega

theorem double_add (m n : Nat) : double (m + n) = double m + double n := by
  simp only [double]
  omega

theorem double_zero : double 0 = 0 := by
  rfl

theorem double_succ (n : Nat) : double (n + 1) = double n + 2 := by
  unfold double
  omega

theorem double_double (n : Nat) : double (double n) = 4 * n := by
  simp only [double]
  omega

theorem double_pos (n : Nat) (h : 0 < n) : 0 < double n := by
  unfold double
  omega

theorem double_le_of_le (m n : Nat) (h : m ≤ n) : double m ≤ double n := by
  unfold double
  omega

theorem double_inj (m n : Nat) (h : double m = double n) : m = n := by
  unfold double at h
  omega

def sumTo : Nat → Nat
  | 0 => 0
  | n + 1 => (n + 1) + sumTo n

theorem sumTo_zero : sumTo 0 = 0 := by
  rfl

theorem sumTo_succ (n : Nat) : sumTo (n + 1) = (n + 1) + sumTo n := by
  rfl

theorem sumTo_le (n : Nat) : n ≤ sumTo n := by
  induction n with
  | zero => exact Nat.zero_le _
  | succ n ih =>
    rw [sumTo_succ]
    exact Nat.le_add_right _ _

theorem sumTo_three : sumTo 3 = 6 := by
  decide

theorem sumTo_two : sumTo 2 = 3 := by
  rfl

theorem sumTo_mono (n : Nat) : sumTo n ≤ sumTo (n + 1) := by
  rw [sumTo_succ]
  omega

theorem sumTo_pos (n : Nat) (h : 0 < n) : 0 < sumTo n := by
  cases n with
  | zero => exact absurd h (Nat.lt_irrefl 0)
  | succ m =>
    rw [sumTo_succ]
    omega

def fact : Nat → Nat
  | 0 => 1
  | n + 1 => (n + 1) * fact n

theorem fact_succ (n : Nat) : fact (n + 1) = (n + 1) * fact n := by
  rfl

theorem one_le_fact (n : Nat) : 1 ≤ fact n := by
  induction n with
  | zero => decide
  | succ n ih =>
    rw [fact_succ]
    exact Nat.mul_le_mul (Nat.le_add_left 1 n) ih

theorem fact_pos (n : Nat) : 0 < fact n := by
  exact one_le_fact n

theorem fact_two : fact 2 = 2 := by
  rfl

theorem fact_three : fact 3 = 6 := by
  rfl

theorem fact_le_fact_succ (n : Nat) : fact n ≤ fact (n + 1) := by
  rw [fact_succ]
  rw [Nat.add_mul, Nat.one_mul]
  exact Nat.le_add_left (fact n) (n * fact n)

def pow2 : Nat → Nat
  | 0 => 1
  | n + 1 => 2 * pow2 n

theorem pow2_succ (n : Nat) : pow2 (n + 1) = 2 * pow2 n := by
  rfl

theorem pow2_pos (n : Nat) : 0 < pow2 n := by
  induction n with
  | zero => decide
  | succ n ih =>
    rw [pow2_succ]
    omega

theorem pow2_ge_one (n : Nat) : 1 ≤ pow2 n := by
  induction n with
  | zero => decide
  | succ n ih =>
    rw [pow2_succ]
    omega

theorem pow2_add (m n : Nat) : pow2 (m + n) = pow2 m * pow2 n := by
  induction n with
  | zero => simp [pow2]
  | succ n ih =>
    rw [← Nat.add_assoc, pow2_succ, pow2_succ, ih]
    rw [Nat.mul_left_comm]

theorem two_le_pow2_succ (n : Nat) : 2 ≤ pow2 (n + 1) := by
  rw [pow2_succ]
  have h := pow2_ge_one n
  omega

def IsEven (n : Nat) : Prop := ∃ k, n = k + k

theorem isEven_zero : IsEven 0 := by
  exact ⟨0, rfl⟩

theorem isEven_two : IsEven 2 := by
  exact ⟨1, rfl⟩

theorem isEven_double (n : Nat) : IsEven (double n) := by
  unfold IsEven
  exact ⟨n, rfl⟩

theorem isEven_add (m n : Nat) (hm : IsEven m) (hn : IsEven n) : IsEven (m + n) := by
  obtain ⟨a, ha⟩ := hm
  obtain ⟨b, hb⟩ := hn
  refine ⟨a + b, ?_⟩
  omega

theorem not_isEven_one : ¬IsEven 1 := by
  intro h
  obtain ⟨k, hk⟩ := h
  omega

theorem isEven_of_isEven_add_two (n : Nat) (h : IsEven (n + 2)) : IsEven n := by
  obtain ⟨k, hk⟩ := h
  refine ⟨k - 1, ?_⟩
  omega

theorem lt_succ_self' (n : Nat) : n < n + 1 := by
  omega

theorem le_add_right' (n k : Nat) : n ≤ n + k := by
  exact Nat.le_add_right n k

theorem succ_ne_zero' (n : Nat) : n + 1 ≠ 0 := by
  exact Nat.succ_ne_zero n

theorem pos_of_ne_zero' (n : Nat) (h : n ≠ 0) : 0 < n := by
  omega

theorem le_antisymm' (a b : Nat) (h₁ : a ≤ b) (h₂ : b ≤ a) : a = b := by
  exact Nat.le_antisymm h₁ h₂

theorem lt_irrefl' (n : Nat) : ¬n < n := by
  exact Nat.lt_irrefl n

theorem le_trans' (a b c : Nat) (h₁ : a ≤ b) (h₂ : b ≤ c) : a ≤ c := by
  exact Nat.le_trans h₁ h₂

theorem le_trans_apply (a b c : Nat) (h₁ : a ≤ b) (h₂ : b ≤ c) : a ≤ c := by
  apply Nat.le_trans h₁
  exact h₂

theorem add_le_add' (a b c d : Nat) (h₁ : a ≤ b) (h₂ : c ≤ d) : a + c ≤ b + d := by
  omega

theorem two_mul' (n : Nat) : 2 * n = n + n := by
  omega

theorem mul_two' (n : Nat) : n * 2 = n + n := by
  omega

theorem sub_self' (n : Nat) : n - n = 0 := by
  simp

theorem add_sub_cancel' (n m : Nat) : n + m - m = n := by
  omega

theorem sub_le' (n m : Nat) : n - m ≤ n := by
  exact Nat.sub_le n m

theorem two_pos' : 0 < 2 := by
  decide

theorem eq_zero_or_pos' (n : Nat) : n = 0 ∨ 0 < n := by
  cases n with
  | zero => exact Or.inl rfl
  | succ m => exact Or.inr (Nat.succ_pos m)

theorem zero_or_succ (n : Nat) : n = 0 ∨ ∃ m, n = m + 1 := by
  cases n
  · exact Or.inl rfl
  · exact Or.inr ⟨_, rfl⟩

theorem ne_zero_of_pos (n : Nat) (h : 0 < n) : n ≠ 0 := by
  intro hn
  rw [hn] at h
  exact Nat.lt_irrefl 0 h

theorem max_self' (n : Nat) : max n n = n := by
  omega

theorem min_le_left' (a b : Nat) : min a b ≤ a := by
  omega

theorem le_max_left' (a b : Nat) : a ≤ max a b := by
  omega

theorem add_mul_two (a b : Nat) : (a + b) * 2 = a * 2 + b * 2 := by
  rw [Nat.add_mul]

theorem mul_add' (a b c : Nat) : a * (b + c) = a * b + a * c := by
  rw [Nat.mul_add]

theorem mul_assoc' (a b c : Nat) : a * b * c = a * (b * c) := by
  rw [Nat.mul_assoc]

theorem mul_left_comm' (a b c : Nat) : a * (b * c) = b * (a * c) := by
  rw [Nat.mul_left_comm]

theorem succ_mul_succ (a b : Nat) : (a + 1) * (b + 1) = a * b + a + b + 1 := by
  rw [Nat.add_mul, Nat.mul_add, Nat.one_mul, Nat.mul_one]
  omega

theorem mul_comm_assoc (a b c : Nat) : a * b * c = b * (a * c) := by
  rw [Nat.mul_assoc, Nat.mul_left_comm]

theorem add_left_cancel' (a b c : Nat) (h : a + b = a + c) : b = c := by
  omega

theorem add_right_cancel' (a b c : Nat) (h : a + c = b + c) : a = b := by
  exact Nat.add_right_cancel h

theorem exists_gt (n : Nat) : ∃ m, n < m := by
  exact ⟨n + 1, Nat.lt_succ_self n⟩

theorem mod_two_cases (n : Nat) : n % 2 = 0 ∨ n % 2 = 1 := by
  omega

theorem mod_two_add_two (n : Nat) : (n + 2) % 2 = n % 2 := by
  omega

theorem div_two_le (n : Nat) : n / 2 ≤ n := by
  omega

theorem lt_of_lt_of_le' (a b c : Nat) (h₁ : a < b) (h₂ : b ≤ c) : a < c := by
  exact Nat.lt_of_lt_of_le h₁ h₂

theorem not_succ_le_self' (n : Nat) : ¬n + 1 ≤ n := by
  omega

theorem le_of_lt_succ' (m n : Nat) (h : m < n + 1) : m ≤ n := by
  omega

theorem zero_lt_succ' (n : Nat) : 0 < n + 1 := by
  exact Nat.zero_lt_succ n

theorem succ_le_succ' (m n : Nat) (h : m ≤ n) : m + 1 ≤ n + 1 := by
  exact Nat.succ_le_succ h

theorem le_refl' (n : Nat) : n ≤ n := by
  exact Nat.le_refl n

theorem add_pos_left' (m n : Nat) (h : 0 < m) : 0 < m + n := by
  omega

theorem forall_add_zero : ∀ n : Nat, n + 0 = n := by
  intro n
  rfl

theorem add_comm_four (a b c d : Nat) : a + b + (c + d) = d + c + (b + a) := by
  omega

theorem add_sub_cancel_left' (n m : Nat) : n + m - n = m := by
  omega

theorem add_one_le_iff' (m n : Nat) : m + 1 ≤ n ↔ m < n := by
  constructor
  · intro h
    omega
  · intro h
    omega

theorem le_or_lt' (m n : Nat) : m ≤ n ∨ n < m := by
  omega

theorem max_comm' (a b : Nat) : max a b = max b a := by
  omega

theorem min_comm' (a b : Nat) : min a b = min b a := by
  omega

theorem sub_add_cancel' (n m : Nat) (h : m ≤ n) : n - m + m = n := by
  omega

theorem mul_le_mul_left' (a b k : Nat) (h : a ≤ b) : k * a ≤ k * b := by
  exact Nat.mul_le_mul (Nat.le_refl k) h

theorem pow_two' (n : Nat) : n ^ 2 = n * n := by
  simp [Nat.pow_succ]

theorem succ_le_of_lt' (m n : Nat) (h : m < n) : m + 1 ≤ n := by
  exact h

theorem add_lt_add_right' (a b k : Nat) (h : a < b) : a + k < b + k := by
  omega

theorem le_of_add_le_add_left' (a b c : Nat) (h : a + b ≤ a + c) : b ≤ c := by
  omega

theorem exists_eq_add_of_le' (m n : Nat) (h : m ≤ n) : ∃ k, n = m + k := by
  refine ⟨n - m, ?_⟩
  omega

theorem exists_two_add_two : ∃ n : Nat, n + n = 4 := by
  exists 2

end TacgenDemo.Nat
