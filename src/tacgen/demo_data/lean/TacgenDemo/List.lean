/-
Copyright (c) 2025 The tacgen team. All rights reserved.
Released under the MIT license, as the rest of tacgen.
-/
import TacgenDemo.Nat

/-!
# Lists: append, map, reverse, membership and a sum.

Hand-written for tacgen's demo dataset; see
`src/tacgen/demo_data/README.md`. Proof states are recorded in the dataset.
-/

universe u

namespace TacgenDemo.List

theorem nil_append' {α : Type u} (l : List α) : [] ++ l = l := by
  rfl

theorem append_nil' {α : Type u} (l : List α) : l ++ [] = l := by
  induction l with
  | nil => rfl
  | cons x xs ih => rw [List.cons_append, ih]

theorem cons_append' {α : Type u} (a : α) (l₁ l₂ : List α) :
    a :: l₁ ++ l₂ = a :: (l₁ ++ l₂) := by
  rfl

theorem length_append' {α : Type u} (l₁ l₂ : List α) :
    (l₁ ++ l₂).length = l₁.length + l₂.length := by
  simp [List.length_append]

theorem length_cons' {α : Type u} (a : α) (l : List α) : (a :: l).length = l.length + 1 := by
  rfl

theorem length_nil' {α : Type u} : ([] : List α).length = 0 := by
  rfl

theorem map_nil' {α β : Type u} (f : α → β) : List.map f [] = [] := by
  rfl

theorem map_id_eq {α : Type u} (l : List α) : l.map id = l := by
  induction l with
  | nil => rfl
  | cons x xs ih => simp [List.map, ih]

theorem length_map' {α β : Type u} (f : α → β) (l : List α) :
    (l.map f).length = l.length := by
  simp

theorem map_append' {α β : Type u} (f : α → β) (l₁ l₂ : List α) :
    (l₁ ++ l₂).map f = l₁.map f ++ l₂.map f := by
  simp [List.map_append]

theorem map_map' {α β γ : Type u} (f : α → β) (g : β → γ) (l : List α) :
    (l.map f).map g = l.map (g ∘ f) := by
  simp [List.map_map]

theorem map_cons' {α β : Type u} (f : α → β) (x : α) (xs : List α) :
    (x :: xs).map f = f x :: xs.map f := by
  rfl

theorem reverse_nil' {α : Type u} : ([] : List α).reverse = [] := by
  rfl

theorem reverse_reverse' {α : Type u} (l : List α) : l.reverse.reverse = l := by
  simp

theorem length_reverse' {α : Type u} (l : List α) : l.reverse.length = l.length := by
  simp

theorem reverse_append' {α : Type u} (l₁ l₂ : List α) :
    (l₁ ++ l₂).reverse = l₂.reverse ++ l₁.reverse := by
  simp [List.reverse_append]

theorem reverse_singleton' {α : Type u} (a : α) : [a].reverse = [a] := by
  rfl

def sum : List Nat → Nat
  | [] => 0
  | x :: xs => x + sum xs

theorem sum_nil : sum [] = 0 := by
  rfl

theorem sum_cons (x : Nat) (xs : List Nat) : sum (x :: xs) = x + sum xs := by
  rfl

theorem sum_singleton (n : Nat) : sum [n] = n := by
  simp [sum]

theorem sum_append (l₁ l₂ : List Nat) : sum (l₁ ++ l₂) = sum l₁ + sum l₂ := by
  induction l₁ with
  | nil => simp [sum]
  | cons x xs ih =>
    rw [List.cons_append, sum_cons, sum_cons, ih]
    rw [Nat.add_assoc]

theorem sum_append_singleton (l : List Nat) (n : Nat) : sum (l ++ [n]) = sum l + n := by
  rw [sum_append, sum_singleton]

theorem sum_reverse (l : List Nat) : sum l.reverse = sum l := by
  induction l with
  | nil => rfl
  | cons x xs ih =>
    rw [List.reverse_cons, sum_append, ih, sum_singleton, sum_cons]
    omega

theorem sum_replicate (n a : Nat) : sum (List.replicate n a) = n * a := by
  induction n with
  | zero => simp [sum]
  | succ n ih =>
    rw [List.replicate_succ, sum_cons, ih]
    rw [Nat.add_mul, Nat.one_mul, Nat.add_comm]

theorem sum_zeros (n : Nat) : sum (List.replicate n 0) = 0 := by
  induction n with
  | zero => rfl
  | succ n ih => simp [List.replicate_succ, sum_cons, ih]

def snoc {α : Type u} (l : List α) (a : α) : List α := l ++ [a]

theorem snoc_eq {α : Type u} (l : List α) (a : α) : snoc l a = l ++ [a] := by
  rfl

theorem snoc_nil {α : Type u} (a : α) : snoc [] a = [a] := by
  rfl

theorem length_snoc {α : Type u} (l : List α) (a : α) : (snoc l a).length = l.length + 1 := by
  simp [snoc]

theorem reverse_snoc {α : Type u} (l : List α) (a : α) :
    (snoc l a).reverse = a :: l.reverse := by
  unfold snoc
  simp

theorem mem_cons_self' {α : Type u} (a : α) (l : List α) : a ∈ a :: l := by
  simp

theorem mem_append_left' {α : Type u} (a : α) (l₁ l₂ : List α) (h : a ∈ l₁) :
    a ∈ l₁ ++ l₂ := by
  rw [List.mem_append]
  exact Or.inl h

theorem mem_singleton' {α : Type u} (a b : α) : a ∈ [b] ↔ a = b := by
  simp

theorem mem_reverse' {α : Type u} (a : α) (l : List α) : a ∈ l.reverse ↔ a ∈ l := by
  simp

theorem mem_map_of_mem' {α β : Type u} (f : α → β) (a : α) (l : List α) (h : a ∈ l) :
    f a ∈ l.map f := by
  exact List.mem_map.mpr ⟨a, h, rfl⟩

theorem length_replicate' {α : Type u} (n : Nat) (a : α) : (List.replicate n a).length = n := by
  simp

theorem replicate_succ' {α : Type u} (n : Nat) (a : α) :
    List.replicate (n + 1) a = a :: List.replicate n a := by
  rfl

theorem length_eq_zero' {α : Type u} (l : List α) : l.length = 0 ↔ l = [] := by
  constructor
  · intro h
    cases l with
    | nil => rfl
    | cons x xs => simp at h
  · intro h
    subst h
    rfl

theorem append_assoc' {α : Type u} (l₁ l₂ l₃ : List α) :
    l₁ ++ l₂ ++ l₃ = l₁ ++ (l₂ ++ l₃) := by
  induction l₁ with
  | nil => rfl
  | cons x xs ih => simp [ih]

theorem length_pos_of_mem' {α : Type u} (a : α) (l : List α) (h : a ∈ l) : 0 < l.length := by
  cases l with
  | nil => simp at h
  | cons x xs => simp

theorem filter_nil' {α : Type u} (p : α → Bool) : List.filter p [] = [] := by
  rfl

theorem length_filter_le' {α : Type u} (p : α → Bool) (l : List α) :
    (l.filter p).length ≤ l.length := by
  exact List.length_filter_le p l

theorem filter_append' {α : Type u} (p : α → Bool) (l₁ l₂ : List α) :
    (l₁ ++ l₂).filter p = l₁.filter p ++ l₂.filter p := by
  simp [List.filter_append]

theorem head?_cons' {α : Type u} (a : α) (l : List α) : (a :: l).head? = some a := by
  rfl

theorem head?_nil' {α : Type u} : ([] : List α).head? = none := by
  rfl

theorem isEmpty_nil' {α : Type u} : ([] : List α).isEmpty = true := by
  rfl

def doubleAll (l : List Nat) : List Nat := l.map Nat.double

theorem doubleAll_nil : doubleAll [] = [] := by
  rfl

theorem doubleAll_cons (x : Nat) (xs : List Nat) :
    doubleAll (x :: xs) = Nat.double x :: doubleAll xs := by
  rfl

theorem doubleAll_length (l : List Nat) : (doubleAll l).length = l.length := by
  simp [doubleAll]

theorem sum_doubleAll (l : List Nat) : sum (doubleAll l) = 2 * sum l := by
  induction l with
  | nil => rfl
  | cons x xs ih =>
    rw [doubleAll_cons, sum_cons, sum_cons, ih, Nat.double_eq]
    omega

theorem append_ne_nil_of_left {α : Type u} (l₁ l₂ : List α) (h : l₁ ≠ []) :
    l₁ ++ l₂ ≠ [] := by
  simp [h]

theorem cons_ne_nil' {α : Type u} (a : α) (l : List α) : a :: l ≠ [] := by
  intro h
  cases h

theorem exists_mem_of_ne_nil' {α : Type u} (l : List α) (h : l ≠ []) : ∃ x, x ∈ l := by
  cases l with
  | nil => contradiction
  | cons y ys => exact ⟨y, List.Mem.head ys⟩

theorem ne_nil_of_length_pos' {α : Type u} (l : List α) (h : 0 < l.length) : l ≠ [] := by
  intro hl
  rw [hl] at h
  simp at h

theorem take_zero' {α : Type u} (l : List α) : l.take 0 = [] := by
  rfl

theorem drop_zero' {α : Type u} (l : List α) : l.drop 0 = l := by
  rfl

theorem take_append_drop' {α : Type u} (n : Nat) (l : List α) :
    l.take n ++ l.drop n = l := by
  simp

theorem length_append_comm {α : Type u} (l₁ l₂ : List α) :
    (l₁ ++ l₂).length = (l₂ ++ l₁).length := by
  simp only [List.length_append]
  omega

theorem length_reverse_append {α : Type u} (l₁ l₂ : List α) :
    (l₁.reverse ++ l₂).length = l₁.length + l₂.length := by
  simp

theorem length_append_singleton_pos {α : Type u} (l : List α) (a : α) :
    0 < (l ++ [a]).length := by
  simp

theorem length_cons_cons {α : Type u} (a b : α) (l : List α) :
    (a :: b :: l).length = l.length + 2 := by
  rfl

theorem map_reverse' {α β : Type u} (f : α → β) (l : List α) :
    l.reverse.map f = (l.map f).reverse := by
  simp [List.map_reverse]

end TacgenDemo.List
