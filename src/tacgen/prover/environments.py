"""The registry of proof-search environments: a name, its class, and its settings.

Each environment is a subclass of :class:`~tacgen.prover.environment.Environment` in a
module of its own, with a typed frozen ``Settings`` dataclass as a class attribute, and is
made from an instance of it. A new environment is that module plus one line of
:data:`ENVIRONMENTS`; its module is imported only when the environment is used (an optional
dependency such as ``lean_dojo`` is imported later still, by the environment itself).

The command line fills a settings object from its parsed flags by field name
(:func:`settings_from`): ``ReplSettings.tactic_timeout`` comes from ``--tactic-timeout``.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from tacgen.core.errors import UsageError
from tacgen.prover.environment import Environment

ENVIRONMENTS: dict[str, str] = {
    "replay": "tacgen.prover.replay:ReplayEnvironment",
    "leandojo": "tacgen.prover.leandojo:LeanDojoEnvironment",
    "repl": "tacgen.prover.repl:ReplEnvironment",
}
"""Every environment: ``name -> "module:Class"``."""


def environment_class(name: str) -> type[Environment]:
    """The class of an environment, its module imported now.

    Args:
        name: a key of :data:`ENVIRONMENTS`.

    Raises:
        UsageError: for an unknown name.
    """
    target = ENVIRONMENTS.get(name)
    if target is None:
        raise UsageError(f"--env must be one of {tuple(ENVIRONMENTS)}, got {name!r}")
    module, attribute = target.split(":")
    found: type[Environment] = getattr(importlib.import_module(module), attribute)
    return found


def settings_from(name: str, source: Any) -> Any:
    """An environment's settings, each field taken from ``source``'s attribute of that name.

    Args:
        name: the environment.
        source: any object (parsed arguments); fields it lacks keep their defaults, and an
            attribute that is None keeps the default too.

    Returns:
        An instance of the environment's ``Settings``.
    """
    settings_type = environment_class(name).Settings
    values = {
        f.name: getattr(source, f.name)
        for f in dataclasses.fields(settings_type)
        if getattr(source, f.name, None) is not None
    }
    return settings_type(**values)


def make_environment(name: str, settings: Any = None) -> Environment:
    """An environment by name.

    Args:
        name: a key of :data:`ENVIRONMENTS`.
        settings: its ``Settings`` (the defaults when None).

    Returns:
        The environment.

    Raises:
        UsageError: for an unknown name, or settings of another environment.
    """
    cls = environment_class(name)
    if settings is None:
        settings = cls.Settings()
    if not isinstance(settings, cls.Settings):
        raise UsageError(f"--env {name} takes {cls.Settings.__name__}, not {type(settings)}")
    return cls(settings)
