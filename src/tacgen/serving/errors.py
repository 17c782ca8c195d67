"""What the server answers when a request fails, and what its OpenAPI document says of it.

* 400: a body that is not UTF-8 text (FastAPI's own answer).
* 404: ``/encode`` without a dense retriever.
* 422: a body that breaks the schema (the fields, never their values), or input the model
  refuses (a :class:`~tacgen.core.errors.TacgenError`, in one line).
* 500: anything else, a bug: a short message with a request id, never the exception's
  text; the traceback goes to the log (logger ``tacgen.serving``) under the same id.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from tacgen.core.errors import TacgenError, one_line
from tacgen.serving.schemas import InternalError, InvalidRequest, Message

logger = logging.getLogger("tacgen.serving")

Responses = dict[int | str, dict[str, Any]]
"""The ``responses`` of a FastAPI route: status -> model and description."""


def _documented(status: int, model: type, description: str) -> Responses:
    return {status: {"model": model, "description": description}}


BAD_BODY = _documented(400, Message, "the body is not UTF-8 text")
INVALID = _documented(
    422, InvalidRequest, "a field breaks the schema, or the model cannot read the input"
)
INTERNAL = _documented(500, InternalError, "a bug; the server's log has the request id")
NO_RETRIEVER = _documented(404, Message, "no dense retriever is loaded")


def _json_response(status: int, content: Any) -> Any:
    from fastapi.responses import Response

    # ASCII escapes: a lone surrogate sent as "\ud800" cannot be written as UTF-8.
    body = json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type="application/json")


def internal_error(method: str, path: str, error: BaseException) -> Any:
    """The 500 answer to a failed request; logs the traceback under a new request id.

    Args:
        method: the request's HTTP method.
        path: the request's path.
        error: what was raised.

    Returns:
        A JSON response holding a short message and the request id.
    """
    request_id = uuid.uuid4().hex[:16]
    logger.error("request %s (%s %s) failed", request_id, method, path, exc_info=error)
    detail = f"internal server error; the server's log has the traceback (request {request_id})"
    return _json_response(500, {"detail": detail, "request_id": request_id})


class CatchInternalErrors:
    """ASGI middleware: an exception that no handler took becomes :func:`internal_error`
    (logged once, with its id; Starlette's own handler would re-raise it to uvicorn)."""

    def __init__(self, app: Any) -> None:
        """Wraps the application."""
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Runs the request; answers 500 if it fails before its response started."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            if started:  # too late for another answer
                raise
            response = internal_error(scope.get("method", ""), scope.get("path", ""), error)
            await response(scope, receive, send)


def add_error_handlers(app: Any) -> None:
    """Installs the 422 handlers and the 500 middleware on a FastAPI application."""
    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(TacgenError)
    async def input_error(request: Any, error: TacgenError) -> Any:
        return _json_response(422, {"detail": one_line(error)})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Any, error: RequestValidationError) -> Any:
        # FastAPI's own answer echoes each bad input: megabytes for an oversized state.
        fields = ("type", "loc", "msg")
        detail = [{k: e[k] for k in fields if k in e} for e in error.errors()]
        return _json_response(422, {"detail": detail})

    app.add_middleware(CatchInternalErrors)
