"""Prompt templates of causal step provers render the published strings exactly."""

from __future__ import annotations

import pytest

from tacgen.core.errors import ConfigError
from tacgen.generator.templates import TEMPLATES, PromptTemplate, resolve_template

STATE = "x : ℕ\nh : {x} = 1\n⊢ x + 0 = 1"


def test_bfs_is_the_state_then_the_separator() -> None:
    assert resolve_template("bfs").render(STATE, "Foo.bar", ["intro x"]) == STATE + ":::"


def test_internlm_step_is_a_chatml_user_turn_with_name_proof_and_state() -> None:
    rendered = resolve_template("internlm-step").render(STATE, "Foo.bar", ["intro x", "simp"])
    assert rendered == (
        "<|im_start|>user\n"
        "---\nNAME: Foo.bar\n\n"
        "---\nPROOF_BEFORE: intro x\nsimp\n\n"
        f"---\nSTATE_BEFORE: {STATE}\n\n"
        "---\nTACTIC: <|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_internlm_step_with_no_tactics_before_leaves_the_field_empty() -> None:
    rendered = resolve_template("internlm-step").render("⊢ True", "T")
    assert "---\nPROOF_BEFORE: \n\n---\nSTATE_BEFORE: ⊢ True\n\n" in rendered


def test_reprover_causal_is_goal_then_proofstep() -> None:
    assert resolve_template("reprover-causal").render(STATE) == f"[GOAL]\n{STATE}\n[PROOFSTEP]\n"


def test_tactic_is_cut_at_stops_and_after_an_echoed_separator() -> None:
    assert resolve_template("bfs").tactic(f"{STATE}::: simp [h] ") == "simp [h]"
    assert resolve_template("bfs").tactic(" exact h\n") == "exact h"
    assert resolve_template("internlm-step").tactic(" rfl<|im_end|>\nmore") == "rfl"
    assert resolve_template("internlm-step").target("rfl") == "rfl<|im_end|>"
    assert resolve_template("bfs").target("rfl") == "rfl"


def test_custom_format_strings_and_their_errors() -> None:
    custom = resolve_template("GOAL {state} NAME {name} TACTIC")
    assert custom.name == "custom"
    assert custom.render("⊢ p", "thm") == "GOAL ⊢ p NAME thm TACTIC"
    with pytest.raises(ConfigError, match="unknown template"):
        resolve_template("{goal}")
    with pytest.raises(ConfigError, match="unknown field"):
        resolve_template("{state} {file}")
    with pytest.raises(ConfigError, match="double literal braces"):
        resolve_template("{state} }")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_round_trip_through_their_saved_form(name: str) -> None:
    template = TEMPLATES[name]
    assert PromptTemplate.from_dict(template.to_dict()) == template
