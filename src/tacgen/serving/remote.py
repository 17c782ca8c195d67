"""``RemoteGenerator``: a :class:`TacticGenerator` answered by a ``tacgen serve`` server.

Many CPU proof-search workers can share one GPU server this way; the server batches their
concurrent queries.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from tacgen.core.errors import TacgenError, UsageError
from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import (
    DEFAULT_OPTIONS,
    Candidates,
    GenerationOptions,
    check_num_samples,
)


class ServerError(TacgenError):
    """The server could not be reached, or failed to answer."""


class RemoteGenerator(TacticGenerator):
    """Asks ``POST /v1/generate`` of a ``tacgen serve`` server."""

    def __init__(self, url: str, timeout: float = 600.0) -> None:
        """Points at a server.

        Args:
            url: the server's base URL, e.g. ``http://127.0.0.1:23337``.
            timeout: seconds to wait for one answer.

        Raises:
            UsageError: for a URL that is not http(s).
        """
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"the server URL must start with http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def health(self) -> dict[str, Any]:
        """The server's ``GET /health`` (model, backend, device).

        Raises:
            ServerError: when the server cannot be reached.
        """
        result: dict[str, Any] = self._call("GET", "/health", None)
        return result

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        """See :meth:`TacticGenerator.generate_queries`, answered by the server.

        Raises:
            UsageError: when the server refuses the request (422).
            ServerError: when it cannot be reached or fails.
        """
        check_num_samples(num_samples)
        if not queries:
            return []
        options = options or DEFAULT_OPTIONS
        body = [_query_json(q, num_samples, options) for q in queries]
        answer = self._call("POST", "/v1/generate", body)
        return [[(row["tactic"], float(row["log_prob"])) for row in ranked] for ranked in answer]

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """See :meth:`TacticGenerator.score_queries`, answered by ``POST /v1/score``.

        Raises:
            UsageError: when the server refuses the request (422).
            ServerError: when it cannot be reached or fails.
        """
        if len(queries) != len(tactics):
            raise UsageError(f"{len(queries)} queries but {len(tactics)} lists of tactics")
        if not queries:
            return []
        body = [
            {**_query_json(q, 1, DEFAULT_OPTIONS, full=False), "tactics": list(t)}
            for q, t in zip(queries, tactics)
        ]
        answer = self._call("POST", "/v1/score", body)
        return [[float(value) for value in row] for row in answer]

    def _call(self, method: str, path: str, body: Any) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = _detail(error.read())
            if error.code == 422:
                raise UsageError(f"{self.url}{path}: {detail}") from None
            raise ServerError(f"{self.url}{path}: HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServerError(f"cannot reach the tactic server {self.url}: {reason}") from None


def _query_json(
    query: Query, num_samples: int, options: GenerationOptions, full: bool = True
) -> dict[str, Any]:
    where = {
        "state": query.state,
        "file_path": query.file_path,
        "full_name": query.full_name,
        "position": list(query.position),
    }
    if query.imports:  # only when set: a server from before the field refuses it
        where["imports"] = list(query.imports)
    if query.proof_before:  # likewise
        where["proof_before"] = list(query.proof_before)
    if not full:  # the query alone (/v1/score)
        return where
    # Every option field, so that a new one reaches the server (TacticQuery has them all).
    return {
        **where,
        "num_samples": num_samples,
        **asdict(options),
        "banned_tactics": sorted(options.banned_tactics),
    }


def _detail(raw: bytes) -> str:
    try:
        detail = json.loads(raw).get("detail", raw.decode("utf-8", "replace"))
    except (ValueError, AttributeError):
        return raw.decode("utf-8", "replace")[:500]
    if isinstance(detail, list):  # pydantic's field errors
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" for e in detail
        )
    return str(detail)
