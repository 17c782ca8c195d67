"""Prompt templates of causal step provers: how a proof state becomes a prompt, and how a
completion becomes a tactic.

A template is named (:data:`TEMPLATES`) or given as a format string. It is saved in every
causal checkpoint and export (:meth:`PromptTemplate.to_dict`), so that a model is queried
with the template it was trained on. The published formats:

* ``bfs`` (BFS-Prover, BFS-Prover-V2): ``{state}:::``; the tactic is the completion, or,
  when a backend echoes the prompt, the text after the last ``:::``.
* ``internlm-step`` (InternLM2.5-StepProver's miniF2F search): a ChatML user turn with the
  theorem's name, the tactics so far and the state, answered by the assistant; generation
  stops at ``<|im_end|>``.
* ``reprover-causal`` (ReProver's causal generators): ``[GOAL]\\n{state}\\n[PROOFSTEP]\\n``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tacgen.core.errors import ConfigError

FIELDS = ("state", "name", "proof_before")
"""What a template may use: the (premise-augmented) state, the theorem's full name, and the
tactics applied so far on the path from the root, one per line."""


@dataclass(frozen=True)
class PromptTemplate:
    """A named prompt format with its completion rules."""

    name: str
    """The registry name, or ``custom``."""
    prompt: str
    """A ``str.format`` string over :data:`FIELDS` (literal braces doubled)."""
    stop: tuple[str, ...] = ()
    """Texts that end a completion (besides the tokenizer's eos), never part of the tactic."""
    end: str = ""
    """Appended to the tactic in training targets; empty for the tokenizer's eos token."""
    separator: str = ""
    """When a completion contains it (the prompt echoed), the tactic is what follows its last
    occurrence."""

    def __post_init__(self) -> None:
        used = _fields(self.prompt)
        unknown = sorted(used - set(FIELDS))
        if unknown:
            raise ConfigError(
                f"template {self.name!r} uses unknown field(s) {unknown}: allowed {list(FIELDS)}"
            )
        if "state" not in used:
            raise ConfigError(f"template {self.name!r} has no {{state}} field")

    def render(self, state: str, name: str = "", proof_before: Sequence[str] = ()) -> str:
        """The prompt for a state.

        Args:
            state: the model input (retrieved premises, if any, then the pretty-printed state).
            name: the theorem's full name.
            proof_before: the tactics applied so far, root first.

        Returns:
            The prompt text (tokenized as it is: special tokens in it are special).
        """
        return self.prompt.format(state=state, name=name, proof_before="\n".join(proof_before))

    def target(self, tactic: str) -> str:
        """The training target after the prompt (the tactic, then :attr:`end`)."""
        return tactic + self.end

    def tactic(self, completion: str) -> str:
        """The tactic in a completion: after the last :attr:`separator` if present, before
        the first stop text, stripped."""
        if self.separator and self.separator in completion:
            completion = completion.rsplit(self.separator, 1)[1]
        for stop in self.stop:
            completion = completion.split(stop, 1)[0]
        return completion.strip()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for checkpoints and exports."""
        return {**asdict(self), "stop": list(self.stop)}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PromptTemplate:
        """The template :meth:`to_dict` wrote.

        Raises:
            ConfigError: when the values are not a template.
        """
        try:
            return cls(**{**values, "stop": tuple(values.get("stop", ()))})
        except TypeError as error:
            raise ConfigError(f"bad prompt template {dict(values)}: {error}") from error


def _fields(prompt: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(prompt))
    except ValueError as error:  # a single brace
        raise ConfigError(f"bad template {prompt!r}: {error} (double literal braces)") from error
    return {field for _, field, _, _ in parsed if field is not None}


_INTERNLM_USER = (
    "---\nNAME: {name}\n\n---\nPROOF_BEFORE: {proof_before}\n\n"
    "---\nSTATE_BEFORE: {state}\n\n---\nTACTIC: "
)

TEMPLATES: dict[str, PromptTemplate] = {
    "bfs": PromptTemplate("bfs", "{state}:::", separator=":::"),
    "internlm-step": PromptTemplate(
        "internlm-step",
        f"<|im_start|>user\n{_INTERNLM_USER}<|im_end|>\n<|im_start|>assistant\n",
        stop=("<|im_end|>",),
        end="<|im_end|>",
    ),
    "reprover-causal": PromptTemplate("reprover-causal", "[GOAL]\n{state}\n[PROOFSTEP]\n"),
}
"""The published templates by name."""


def resolve_template(spec: str | PromptTemplate) -> PromptTemplate:
    """A template from a registry name or a custom format string.

    Args:
        spec: a name in :data:`TEMPLATES`, a format string containing ``{state}`` (named
            ``custom``; the completion is the tactic), or a template.

    Returns:
        The template.

    Raises:
        ConfigError: when ``spec`` is neither a known name nor a format string with
            ``{state}``.
    """
    if isinstance(spec, PromptTemplate):
        return spec
    if spec in TEMPLATES:
        return TEMPLATES[spec]
    if "{state}" not in spec:
        names = ", ".join(sorted(TEMPLATES))
        raise ConfigError(
            f"unknown template {spec!r}: not one of {names}, nor a format string with {{state}}"
        )
    return PromptTemplate("custom", spec)
