"""The project's exceptions: every error caused by input (a file, a config, an argument).

The command line prints a :class:`TacgenError` (and an ``OSError`` about a file) as one
line; anything else is a bug and gets a traceback. Each class also subclasses the builtin
it refines (``ValueError`` mostly), so ``except ValueError`` keeps working.
"""

from __future__ import annotations


def one_line(error: BaseException) -> str:
    """An exception's message folded onto one line (its type name when empty).

    Args:
        error: the exception.

    Returns:
        The message with every run of whitespace (newlines too) made one space.
    """
    return " ".join(str(error).split()) or type(error).__name__


class TacgenError(Exception):
    """Base class of every error tacgen raises for bad input."""


class ConfigError(TacgenError, ValueError):
    """A constructor argument, model config or option is invalid."""


class UsageError(TacgenError, ValueError):
    """Command-line or API arguments that do not fit together."""


class RecordError(TacgenError, ValueError):
    """A record (premise, example, query, ...) was given invalid fields."""


class PositionError(RecordError):
    """A value that should be a (line, column) pair is not one."""


class BenchmarkFormatError(TacgenError, ValueError):
    """A LeanDojo split file is malformed; the message names the file and location."""


class MarkMismatchError(TacgenError, ValueError):
    """The number of ``<a>…</a>`` marks differs from the number of provenances."""


class CorpusError(TacgenError, ValueError):
    """A corpus file is malformed; the message names the file, entry and field."""


class PredictionsFormatError(TacgenError, ValueError):
    """A retrieved-premise predictions file is malformed."""


class MissingPredictionError(TacgenError, KeyError):
    """An example has no retrieved premises in the predictions file."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownFileError(TacgenError, KeyError):
    """A Lean file that the corpus does not hold (or matches ambiguously)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class IndexFileError(TacgenError, ValueError):
    """A premise index file is unreadable or belongs to another corpus or encoder."""


class CheckpointError(TacgenError, ValueError):
    """A checkpoint or model directory is missing, unreadable or of another kind."""
