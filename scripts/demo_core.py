# ruff: noqa: E501  (Lean source strings)
"""Lean 4 core declarations quoted in the demo corpus (used by build_demo_data.py).

Each entry is the source of one declaration of Lean 4's core library (Apache-2.0), as
LeanDojo stores it in a corpus: theorems without their proofs, definitions and inductive
types in full. The namespace given with each group is the one the declarations sit in,
so that a short name like ``add_comm`` under ``Nat`` has the full name ``Nat.add_comm``.

Line numbers are not those of a particular Lean release: build_demo_data.py lays the
declarations out one after another, in this order, to give every premise a consistent
span in its file.
"""

from __future__ import annotations

LEAN = ".lake/packages/lean4/src/lean"
PRELUDE = f"{LEAN}/Init/Prelude.lean"
CORE = f"{LEAN}/Init/Core.lean"
CLASSICAL = f"{LEAN}/Init/Classical.lean"
SIMP_LEMMAS = f"{LEAN}/Init/SimpLemmas.lean"
BOOL = f"{LEAN}/Init/Data/Bool.lean"
NAT_BASIC = f"{LEAN}/Init/Data/Nat/Basic.lean"
NAT_DIV = f"{LEAN}/Init/Data/Nat/Div.lean"
NAT_LEMMAS = f"{LEAN}/Init/Data/Nat/Lemmas.lean"
LIST_BASIC = f"{LEAN}/Init/Data/List/Basic.lean"
LIST_LEMMAS = f"{LEAN}/Init/Data/List/Lemmas.lean"
INIT = f"{LEAN}/Init.lean"

# (path, direct imports, first line of the first declaration)
CORE_FILES: list[tuple[str, list[str], int]] = [
    (PRELUDE, [], 38),
    (CORE, [PRELUDE], 24),
    (CLASSICAL, [CORE], 19),
    (SIMP_LEMMAS, [CORE], 15),
    (BOOL, [SIMP_LEMMAS], 12),
    (NAT_BASIC, [SIMP_LEMMAS], 12),
    (NAT_DIV, [NAT_BASIC], 14),
    (NAT_LEMMAS, [NAT_BASIC, NAT_DIV, CLASSICAL], 20),
    (LIST_BASIC, [NAT_BASIC, SIMP_LEMMAS], 17),
    (LIST_LEMMAS, [LIST_BASIC, NAT_LEMMAS], 22),
]

# path -> list of (namespace, [declaration source, ...])
CORE_DECLS: dict[str, list[tuple[str, list[str]]]] = {
    PRELUDE: [
        (
            "",
            [
                "@[macro_inline] def id {α : Sort u} (a : α) : α := a",
                "@[inline] def Function.comp {α : Sort u} {β : Sort v} {δ : Sort w}"
                " (f : β → δ) (g : α → β) : α → δ :=\n  fun x => f (g x)",
                "@[inline] def Function.const {α : Sort u} (β : Sort v) (a : α) : β → α :=\n"
                "  fun _ => a",
                "inductive True : Prop where\n  | intro : True",
                "inductive False : Prop",
                "inductive Eq : α → α → Prop where\n  | refl (a : α) : Eq a a",
                "@[match_pattern] def rfl {α : Sort u} {a : α} : Eq a a := Eq.refl a",
                "theorem Eq.symm {α : Sort u} {a b : α} (h : Eq a b) : Eq b a",
                "theorem Eq.trans {α : Sort u} {a b c : α} (h₁ : Eq a b) (h₂ : Eq b c) : Eq a c",
                "theorem congrArg\n    {α : Sort u} {β : Sort v} {a₁ a₂ : α}\n"
                "    (f : α → β) (h : Eq a₁ a₂) : Eq (f a₁) (f a₂)",
                "theorem congrFun {α : Sort u} {β : α → Sort v} {f g : (x : α) → β x}\n"
                "    (h : Eq f g) (a : α) : Eq (f a) (g a)",
                "def Not (a : Prop) : Prop := a → False",
                "@[macro_inline] def False.elim {C : Sort u} (h : False) : C :=\n  h.rec",
                "@[macro_inline] def absurd {a : Prop} {b : Sort v} (h₁ : a) (h₂ : Not a) : b :=\n"
                "  (h₂ h₁).rec",
                "structure And (a b : Prop) : Prop where\n  intro ::\n  left : a\n  right : b",
                "inductive Or (a b : Prop) : Prop where\n  | inl (h : a) : Or a b\n"
                "  | inr (h : b) : Or a b",
                "inductive Bool : Type where\n  | false : Bool\n  | true : Bool",
                "inductive Exists {α : Sort u} (p : α → Prop) : Prop where\n"
                "  | intro (w : α) (h : p w) : Exists p",
                "class inductive Decidable (p : Prop) where\n"
                "  | isFalse (h : Not p) : Decidable p\n  | isTrue (h : p) : Decidable p",
                "@[inline_if_reduce, nospecialize] def Decidable.decide (p : Prop) [h : Decidable p]"
                " : Bool :=\n  h.casesOn (motive := fun _ => Bool) (fun _ => false) (fun _ => true)",
                "@[macro_inline] def or (x y : Bool) : Bool :=\n  match x with\n"
                "  | true  => true\n  | false => y",
                "@[macro_inline] def and (x y : Bool) : Bool :=\n  match x with\n"
                "  | false => false\n  | true  => y",
                "@[inline] def not : Bool → Bool\n  | true  => false\n  | false => true",
                "inductive Nat where\n  | zero : Nat\n  | succ (n : Nat) : Nat",
                "protected def Nat.add : (@& Nat) → (@& Nat) → Nat\n  | n, .zero => n\n"
                "  | n, .succ m => .succ (Nat.add n m)",
                "protected def Nat.mul : (@& Nat) → (@& Nat) → Nat\n  | _, 0 => 0\n"
                "  | n, Nat.succ m => Nat.add (Nat.mul n m) n",
                "def Nat.pred : (@& Nat) → Nat\n  | 0 => 0\n  | succ a => a",
                "protected inductive Nat.le (n : Nat) : Nat → Prop\n  | refl     : Nat.le n n\n"
                "  | step {m} : Nat.le n m → Nat.le n (succ m)",
                "protected def Nat.lt (n m : Nat) : Prop :=\n  Nat.le (n+1) m",
                "theorem Nat.le_succ (n : Nat) : LE.le n (succ n)",
                "protected theorem Nat.le_refl (n : Nat) : LE.le n n",
                "theorem Nat.succ_pos (n : Nat) : LT.lt 0 (succ n)",
                "protected theorem Nat.le_trans {n m k : Nat} : LE.le n m → LE.le m k → LE.le n k",
                "protected theorem Nat.lt_trans {n m k : Nat} (h₁ : LT.lt n m) : LT.lt m k → LT.lt n k",
                "theorem Nat.zero_le : (n : Nat) → LE.le 0 n",
                "theorem Nat.succ_le_succ : LE.le n m → LE.le (succ n) (succ m)",
                "theorem Nat.zero_lt_succ (n : Nat) : LT.lt 0 (succ n)",
                "theorem Nat.not_succ_le_self (n : Nat) : Not (LE.le (succ n) n)",
                "protected theorem Nat.lt_irrefl (n : Nat) : Not (LT.lt n n)",
                "protected theorem Nat.le_antisymm {n m : Nat} (h₁ : LE.le n m) (h₂ : LE.le m n)"
                " : Eq n m",
                "inductive Option (α : Type u) where\n  | none : Option α\n  | some (val : α) : Option α",
                "inductive List (α : Type u) where\n  | nil : List α\n"
                "  | cons (head : α) (tail : List α) : List α",
                "def List.length : List α → Nat\n  | nil       => 0\n"
                "  | cons _ as => HAdd.hAdd (length as) 1",
                "@[specialize] def List.foldl {α : Type u} {β : Type v} (f : α → β → α)"
                " : (init : α) → List β → α\n  | a, nil      => a\n  | a, cons b l => foldl f (f a b) l",
            ],
        ),
    ],
    CORE: [
        (
            "",
            [
                "structure Iff (a b : Prop) : Prop where\n  intro ::\n  mp : a → b\n  mpr : b → a",
                "@[reducible] def Ne {α : Sort u} (a b : α) : Prop :=\n  ¬(a = b)",
                "theorem Ne.symm (h : a ≠ b) : b ≠ a",
                "theorem trivial : True",
                "theorem mt {a b : Prop} (h₁ : a → b) (h₂ : ¬b) : ¬a",
                "theorem not_not_intro {p : Prop} (h : p) : ¬¬p",
                "theorem Iff.refl (a : Prop) : a ↔ a",
                "protected theorem Iff.symm (h : a ↔ b) : b ↔ a",
                "protected theorem Iff.trans (h₁ : a ↔ b) (h₂ : b ↔ c) : a ↔ c",
                "theorem iff_of_eq (h : a = b) : a ↔ b",
                "theorem And.symm : a ∧ b → b ∧ a",
                "theorem And.comm : a ∧ b ↔ b ∧ a",
                "theorem Or.elim {c : Prop} (h : Or a b) (left : a → c) (right : b → c) : c",
                "theorem Or.symm : a ∨ b → b ∨ a",
                "theorem Or.comm : a ∨ b ↔ b ∨ a",
                "theorem Or.resolve_left  (h : a ∨ b) (na : ¬a) : b",
                "theorem Exists.elim {α : Sort u} {p : α → Prop} {b : Prop}\n"
                "   (h₁ : Exists (fun x => p x)) (h₂ : ∀ (a : α), p a → b) : b",
                "axiom propext {a b : Prop} : (a ↔ b) → a = b",
                "theorem funext {α : Sort u} {β : α → Sort v} {f g : (x : α) → β x}\n"
                "    (h : ∀ x, f x = g x) : f = g",
            ],
        ),
        (
            "Function",
            [
                "@[simp] theorem comp_apply {f : β → δ} {g : α → β} {x : α} : comp f g x = f (g x)",
                "theorem comp_def {α β δ} (f : β → δ) (g : α → β) : f ∘ g = fun x => f (g x)",
                "@[simp] theorem const_apply {y : β} {x : α} : const α y x = y",
            ],
        ),
    ],
    CLASSICAL: [
        (
            "Classical",
            [
                "theorem em (p : Prop) : p ∨ ¬p",
                "theorem byContradiction {p : Prop} (h : ¬p → False) : p",
                "theorem byCases {p q : Prop} (hpq : p → q) (hnpq : ¬p → q) : q",
                "@[simp] theorem not_not : ¬¬a ↔ a",
            ],
        ),
    ],
    SIMP_LEMMAS: [
        (
            "",
            [
                "@[simp] theorem eq_self_iff_true (a : α) : a = a ↔ True",
                "@[simp] theorem ne_eq (a b : α) : (a ≠ b) = ¬(a = b)",
                "@[simp] theorem ite_true (a b : α) : (if True then a else b) = a",
                "@[simp] theorem ite_false (a b : α) : (if False then a else b) = b",
                "@[simp] theorem ite_self {α : Sort u} {c : Prop} {_ : Decidable c} (a : α)"
                " : ite c a a = a",
                "@[simp] theorem and_self (p : Prop) : (p ∧ p) = p",
                "@[simp] theorem and_true (p : Prop) : (p ∧ True) = p",
                "@[simp] theorem true_and (p : Prop) : (True ∧ p) = p",
                "@[simp] theorem and_false (p : Prop) : (p ∧ False) = False",
                "@[simp] theorem or_self (p : Prop) : (p ∨ p) = p",
                "@[simp] theorem or_true (p : Prop) : (p ∨ True) = True",
                "@[simp] theorem or_false (p : Prop) : (p ∨ False) = p",
                "@[simp] theorem false_or (p : Prop) : (False ∨ p) = p",
                "@[simp] theorem not_true_eq_false : (¬True) = False",
                "@[simp] theorem not_false_eq_true : (¬False) = True",
                "@[simp] theorem Bool.or_false (b : Bool) : (b || false) = b",
                "@[simp] theorem Bool.or_true (b : Bool) : (b || true) = true",
                "@[simp] theorem Bool.false_or (b : Bool) : (false || b) = b",
                "@[simp] theorem Bool.and_false (b : Bool) : (b && false) = false",
                "@[simp] theorem Bool.and_true (b : Bool) : (b && true) = b",
                "@[simp] theorem Bool.true_and (b : Bool) : (true && b) = b",
                "@[simp] theorem Bool.not_not (b : Bool) : (!!b) = b",
                "@[simp] theorem Bool.and_eq_true (a b : Bool)"
                " : ((a && b) = true) = (a = true ∧ b = true)",
                "@[simp] theorem Bool.or_eq_true (a b : Bool)"
                " : ((a || b) = true) = (a = true ∨ b = true)",
                "@[simp] theorem decide_eq_true_eq [Decidable p] : (decide p = true) = p",
                "@[simp] theorem beq_self_eq_true [BEq α] [LawfulBEq α] (a : α) : (a == a) = true",
            ],
        ),
    ],
    BOOL: [
        (
            "Bool",
            [
                "theorem and_comm : ∀ (x y : Bool), (x && y) = (y && x)",
                "theorem or_comm : ∀ (x y : Bool), (x || y) = (y || x)",
                "theorem and_assoc : ∀ (a b c : Bool), (a && b && c) = (a && (b && c))",
                "theorem or_assoc : ∀ (a b c : Bool), (a || b || c) = (a || (b || c))",
                "theorem eq_false_or_eq_true : (b : Bool) → b = true ∨ b = false",
                "@[simp] theorem not_and_self : ∀ (x : Bool), (!x && x) = false",
                "@[simp] theorem or_not_self : ∀ (x : Bool), (x || !x) = true",
                "theorem and_or_distrib_left : ∀ (x y z : Bool), (x && (y || z)) = (x && y || x && z)",
            ],
        ),
    ],
    NAT_BASIC: [
        (
            "Nat",
            [
                "@[simp] protected theorem add_zero (n : Nat) : n + 0 = n",
                "@[simp] protected theorem zero_add : ∀ (n : Nat), 0 + n = n",
                "theorem succ_add : ∀ (n m : Nat), (succ n) + m = succ (n + m)",
                "theorem add_succ (n m : Nat) : n + succ m = succ (n + m)",
                "theorem add_one (n : Nat) : n + 1 = succ n",
                "theorem succ_eq_add_one (n : Nat) : succ n = n + 1",
                "protected theorem add_comm : ∀ (n m : Nat), n + m = m + n",
                "protected theorem add_assoc : ∀ (n m k : Nat), (n + m) + k = n + (m + k)",
                "protected theorem add_left_comm (n m k : Nat) : n + (m + k) = m + (n + k)",
                "protected theorem add_right_comm (n m k : Nat) : (n + m) + k = (n + k) + m",
                "protected theorem add_left_cancel {n m k : Nat} : n + m = n + k → m = k",
                "protected theorem add_right_cancel {n m k : Nat} (h : n + m = k + m) : n = k",
                "@[simp] protected theorem mul_zero (n : Nat) : n * 0 = 0",
                "theorem mul_succ (n m : Nat) : n * succ m = n * m + n",
                "@[simp] protected theorem zero_mul : ∀ (n : Nat), 0 * n = 0",
                "theorem succ_mul (n m : Nat) : (succ n) * m = (n * m) + m",
                "protected theorem mul_comm : ∀ (n m : Nat), n * m = m * n",
                "@[simp] protected theorem mul_one : ∀ (n : Nat), n * 1 = n",
                "@[simp] protected theorem one_mul (n : Nat) : 1 * n = n",
                "protected theorem left_distrib (n m k : Nat) : n * (m + k) = n * m + n * k",
                "protected theorem right_distrib (n m k : Nat) : (n + m) * k = n * k + m * k",
                "protected theorem mul_add (n m k : Nat) : n * (m + k) = n * m + n * k",
                "protected theorem add_mul (n m k : Nat) : (n + m) * k = n * k + m * k",
                "protected theorem mul_assoc : ∀ (n m k : Nat), (n * m) * k = n * (m * k)",
                "protected theorem mul_left_comm (n m k : Nat) : n * (m * k) = m * (n * k)",
                "theorem succ_lt_succ {n m : Nat} : n < m → succ n < succ m",
                "theorem lt_succ_of_le {n m : Nat} : n ≤ m → n < succ m",
                "@[simp] protected theorem sub_zero (n : Nat) : n - 0 = n",
                "theorem succ_sub_succ (n m : Nat) : succ n - succ m = n - m",
                "@[simp] protected theorem sub_self : ∀ (n : Nat), n - n = 0",
                "theorem sub_le (n m : Nat) : n - m ≤ n",
                "protected theorem lt_of_lt_of_le {n m k : Nat} : n < m → m ≤ k → n < k",
                "protected theorem le_of_eq {n m : Nat} (p : n = m) : n ≤ m",
                "protected theorem le_of_lt {n m : Nat} : n < m → n ≤ m",
                "theorem succ_le_of_lt {n m : Nat} (h : n < m) : succ n ≤ m",
                "theorem lt_of_succ_le {n m : Nat} (h : succ n ≤ m) : n < m",
                "theorem eq_zero_or_pos : ∀ (n : Nat), n = 0 ∨ n > 0",
                "protected theorem pos_of_ne_zero {n : Nat} : n ≠ 0 → 0 < n",
                "@[simp] theorem lt_succ_self (n : Nat) : n < succ n",
                "theorem succ_ne_zero (n : Nat) : succ n ≠ 0",
                "protected theorem le_total (m n : Nat) : m ≤ n ∨ n ≤ m",
                "theorem eq_zero_of_le_zero {n : Nat} (h : n ≤ 0) : n = 0",
                "theorem le_add_right : ∀ (n k : Nat), n ≤ n + k",
                "theorem le_add_left (n m : Nat) : n ≤ m + n",
                "theorem le.intro {n m k : Nat} (h : n + k = m) : n ≤ m",
                "@[simp] protected theorem not_le {a b : Nat} : ¬ a ≤ b ↔ b < a",
                "@[simp] protected theorem not_lt {a b : Nat} : ¬ a < b ↔ b ≤ a",
                "protected theorem lt_trichotomy (a b : Nat) : a < b ∨ a = b ∨ b < a",
                "protected theorem add_le_add_left {n m : Nat} (h : n ≤ m) (k : Nat) : k + n ≤ k + m",
                "protected theorem add_le_add_right {n m : Nat} (h : n ≤ m) (k : Nat)"
                " : n + k ≤ m + k",
                "protected theorem mul_le_mul {p q m n : Nat} (h₁ : p ≤ m) (h₂ : q ≤ n)"
                " : p * q ≤ m * n",
                "protected theorem sub_add_cancel : ∀ {n m : Nat}, m ≤ n → n - m + m = n",
                "protected theorem add_sub_cancel : ∀ {n m : Nat}, n + m - m = n",
                "theorem le_of_lt_succ {m n : Nat} : m < succ n → m ≤ n",
                "@[simp] theorem pow_zero (b : Nat) : b ^ 0 = 1",
                "theorem pow_succ {b n : Nat} : b ^ (n+1) = b ^ n * b",
            ],
        ),
    ],
    NAT_DIV: [
        (
            "Nat",
            [
                "protected def div (x y : @& Nat) : Nat :=\n"
                "  if 0 < y ∧ y ≤ x then\n    Nat.div (x - y) y + 1\n  else\n    0",
                "protected def modCore (x y : @& Nat) : Nat :=\n"
                "  if 0 < y ∧ y ≤ x then\n    Nat.modCore (x - y) y\n  else\n    x",
                "theorem div_le_self (n k : Nat) : n / k ≤ n",
                "theorem mod_lt (x : Nat) {y : Nat} : y > 0 → x % y < y",
                "theorem mod_le (x y : Nat) : x % y ≤ x",
                "@[simp] theorem mod_self (n : Nat) : n % n = 0",
                "@[simp] theorem zero_div (b : Nat) : 0 / b = 0",
                "@[simp] theorem mod_zero (a : Nat) : a % 0 = a",
            ],
        ),
    ],
    NAT_LEMMAS: [
        (
            "Nat",
            [
                "protected theorem two_mul (n : Nat) : 2 * n = n + n",
                "protected theorem mul_two (n : Nat) : n * 2 = n + n",
                "theorem add_one_ne_zero (n : Nat) : n + 1 ≠ 0",
                "protected theorem min_le_left (a b : Nat) : min a b ≤ a",
                "protected theorem le_max_left (a b : Nat) : a ≤ max a b",
                "protected theorem min_comm (a b : Nat) : min a b = min b a",
                "protected theorem max_comm (a b : Nat) : max a b = max b a",
                "theorem mod_two_eq_zero_or_one (n : Nat) : n % 2 = 0 ∨ n % 2 = 1",
                "protected theorem pow_two (a : Nat) : a ^ 2 = a * a",
                "theorem succ_le_succ_iff {a b : Nat} : succ a ≤ succ b ↔ a ≤ b",
                "protected theorem lt_add_one_iff {m n : Nat} : m < n + 1 ↔ m ≤ n",
            ],
        ),
    ],
    LIST_BASIC: [
        (
            "List",
            [
                "@[simp] def append : (xs ys : List α) → List α\n  | [],    bs => bs\n"
                "  | a::as, bs => a :: append as bs",
                "@[specialize] def map (f : α → β) : List α → List β\n  | []    => []\n"
                "  | a::as => f a :: map f as",
                "def reverseAux : List α → List α → List α\n  | [],   r => r\n"
                "  | a::l, r => reverseAux l (a::r)",
                "def reverse (as : List α) : List α :=\n  reverseAux as []",
                "def filter (p : α → Bool) : List α → List α\n  | [] => []\n"
                "  | a::as => match p a with\n    | true => a :: filter p as\n"
                "    | false => filter p as",
                "def replicate : (n : Nat) → (a : α) → List α\n  | 0,   _ => []\n"
                "  | n+1, a => a :: replicate n a",
                "def take : Nat → List α → List α\n  | 0,   _     => []\n  | _+1, []    => []\n"
                "  | n+1, a::as => a :: take n as",
                "def drop : Nat → List α → List α\n  | 0,   as     => as\n  | _+1, []    => []\n"
                "  | n+1, _::as => drop n as",
                "def head? : List α → Option α\n  | []   => none\n  | a::_ => some a",
                "def isEmpty : List α → Bool\n  | []     => true\n  | _ :: _ => false",
                "inductive Mem (a : α) : List α → Prop\n  | head (as : List α) : Mem a (a::as)\n"
                "  | tail (b : α) {as : List α} : Mem a as → Mem a (b::as)",
                "def elem [BEq α] (a : α) : List α → Bool\n  | []    => false\n"
                "  | b::bs => match a == b with\n    | true  => true\n    | false => elem a bs",
                "@[specialize] def foldr (f : α → β → β) (init : β) : List α → β\n"
                "  | []     => init\n  | a :: l => f a (foldr f init l)",
                "@[simp] theorem length_nil : length ([] : List α) = 0",
                "@[simp] theorem length_cons {α} (a : α) (as : List α)"
                " : (cons a as).length = as.length + 1",
                "@[simp] theorem nil_append (as : List α) : [] ++ as = as",
                "@[simp] theorem cons_append (a : α) (as bs : List α)"
                " : (a::as) ++ bs = a::(as ++ bs)",
                "@[simp] theorem append_nil (as : List α) : as ++ [] = as",
                "@[simp] theorem append_assoc (as bs cs : List α)"
                " : (as ++ bs) ++ cs = as ++ (bs ++ cs)",
                "@[simp] theorem length_append (as bs : List α)"
                " : (as ++ bs).length = as.length + bs.length",
                "@[simp] theorem map_append (f : α → β)"
                " : ∀ as bs, (as ++ bs).map f = as.map f ++ bs.map f",
                "@[simp] theorem reverse_nil : reverse ([] : List α) = []",
                "@[simp] theorem reverse_cons (a : α) (as : List α)"
                " : reverse (a :: as) = reverse as ++ [a]",
                "@[simp] theorem reverse_append (as bs : List α)"
                " : (as ++ bs).reverse = bs.reverse ++ as.reverse",
                "@[simp] theorem replicate_zero : replicate 0 a = []",
                "theorem replicate_succ (a : α) (n) : replicate (n+1) a = a :: replicate n a",
                "@[simp] theorem length_replicate (n : Nat) (a : α) : (replicate n a).length = n",
            ],
        ),
    ],
    LIST_LEMMAS: [
        (
            "List",
            [
                "@[simp] theorem length_singleton (a : α) : length [a] = 1",
                "@[simp] theorem singleton_append : [x] ++ l = x :: l",
                "@[simp] theorem length_map (as : List α) (f : α → β)"
                " : (as.map f).length = as.length",
                "@[simp] theorem map_id (l : List α) : map id l = l",
                "@[simp] theorem map_map (g : β → γ) (f : α → β) (l : List α)"
                " : map g (map f l) = map (g ∘ f) l",
                "@[simp] theorem reverse_reverse (as : List α) : as.reverse.reverse = as",
                "@[simp] theorem length_reverse (as : List α) : as.reverse.length = as.length",
                "theorem map_reverse (f : α → β) (l : List α) : l.reverse.map f = (l.map f).reverse",
                "@[simp] theorem not_mem_nil (a : α) : ¬ a ∈ []",
                "@[simp] theorem mem_cons : a ∈ (b :: l) ↔ a = b ∨ a ∈ l",
                "theorem mem_cons_self (a : α) (l : List α) : a ∈ a :: l",
                "@[simp] theorem mem_singleton {a b : α} : a ∈ [b] ↔ a = b",
                "@[simp] theorem mem_append {a : α} {s t : List α} : a ∈ s ++ t ↔ a ∈ s ∨ a ∈ t",
                "@[simp] theorem mem_reverse {x : α} {as : List α} : x ∈ reverse as ↔ x ∈ as",
                "@[simp] theorem mem_map {f : α → β} : ∀ {l : List α}, b ∈ l.map f ↔ ∃ a, a ∈ l ∧ f a = b",
                "theorem exists_mem_of_ne_nil (l : List α) (h : l ≠ []) : ∃ x, x ∈ l",
                "theorem length_pos {l : List α} : 0 < length l ↔ l ≠ []",
                "@[simp] theorem append_eq_nil : p ++ q = [] ↔ p = [] ∧ q = []",
                "theorem length_filter_le (p : α → Bool) (l : List α)"
                " : (l.filter p).length ≤ l.length",
                "@[simp] theorem filter_append {p : α → Bool}"
                " : ∀ (l₁ l₂ : List α), filter p (l₁ ++ l₂) = filter p l₁ ++ filter p l₂",
                "@[simp] theorem take_append_drop : ∀ (n : Nat) (l : List α), take n l ++ drop n l = l",
            ],
        ),
    ],
}
