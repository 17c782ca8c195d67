"""Library tactics renamed to the state's local names: ``cases b <;> rfl`` on ``a : Bool``.

A library tactic mentions the local names of the theorem it was traced in (``exact ⟨hq,
hp⟩``), which another theorem's state rarely has. Read as a template, its local-name-like
identifiers (:func:`~tacgen.data.local_names.placeholders`: ``h``, ``hp``, ``h₁``, ``ih``,
one-letter names, also before a projection as in ``hpq.1``; never after a dot, as in
``Foo.h``) are renamed, all at once and injectively, to the names the state declares
(:func:`~tacgen.data.local_names.local_names`), which gives ``exact ⟨h₁, h₂⟩`` on
``h₁ : p → q``, ``h₂ : q → p``. The instances are scored by the model like the library's own tactics
(:class:`~tacgen.prover.candidates.LibrarySource`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from tacgen.data.local_names import local_names, placeholders, rename

MAX_PLACEHOLDERS = 2
"""Templates with more distinct local names than this are not instantiated (the number of
renamings grows as names ** placeholders)."""


def _renamings(template: str, names: Sequence[str]) -> Iterator[str]:
    holes = placeholders(template)
    if not holes or len(holes) > MAX_PLACEHOLDERS:
        return
    for chosen in itertools.permutations(names, len(holes)):
        yield rename(template, dict(zip(holes, chosen)))


def instances(templates: Sequence[str], state: str, limit: int) -> list[tuple[str, int]]:
    """Renamings of ``templates`` to the state's local names, at most ``limit``.

    Args:
        templates: the library, most frequent first.
        state: the proof state.
        limit: the most instances returned (templates are taken in order).

    Returns:
        ``(tactic, template rank)`` pairs: distinct tactics that are not templates
        themselves, each with the rank of the first template that gave it.
    """
    names = local_names(state)
    seen = set(templates)
    found: list[tuple[str, int]] = []
    for rank, template in enumerate(templates):
        for tactic in _renamings(template, names):
            if len(found) >= limit:
                return found
            if tactic not in seen:
                seen.add(tactic)
                found.append((tactic, rank))
    return found
