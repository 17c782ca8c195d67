/-
Copyright (c) 2025 The tacgen team. All rights reserved.
Released under the MIT license, as the rest of tacgen.
-/
import TacgenDemo.Logic
import TacgenDemo.Bool
import TacgenDemo.Nat
import TacgenDemo.List
