"""Documented answers for the OpenAPI document: the success body and the portal's errors,
each with examples.

Litestar documents a handler's return type without an example and, for errors, only its own
default 400 shape (`status_code`, `detail`), which the portal never sends (errors.py turns
every error into `{"code", "message", "message_th"}`). These helpers build a handler's
`responses=` from the real types and the real error classes, so an example cannot drift from
what a client receives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import msgspec
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)

from backend.lib.errors import PortalError, http_error_body

__all__ = [
    "ErrorBody",
    "FieldProblem",
    "answer",
    "error_answers",
    "example",
    "file_answer_operation",
]


class FieldProblem(msgspec.Struct):
    en: str
    th: str


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """Every error answer. Branch on `code` (stable); show `message` (English) or
    `message_th`. `fields`, when present, maps a request field to what is wrong with it."""

    code: str
    message: str
    message_th: str
    fields: dict[str, FieldProblem] | None = None


@dataclass
class _NamedExample(Example):
    """Litestar keys an example by its `id` and also writes the `id` into the Example
    Object, where OpenAPI allows no such field: keep it as the key only."""

    @property
    def _exclude_fields(self) -> set[str]:
        return {"id"}


def example(summary: str, value: Any, *, name: str | None = None) -> Example:
    """An example of a request or answer; Structs become the JSON a client sees."""
    return _NamedExample(id=name, summary=summary, value=msgspec.to_builtins(value))


def answer(data: Any, description: str, *examples: Example) -> ResponseSpec:
    """The success answer with its examples, in place of the one Litestar infers from the
    handler's return type (which has none, and is only `string` for a pre-encoded body)."""
    return ResponseSpec(
        data_container=data,
        description=description,
        examples=list(examples),
        generate_examples=False,
    )


def _body(error: PortalError | HTTPException) -> dict[str, Any]:
    return error.body() if isinstance(error, PortalError) else http_error_body(error)


def error_answers(*errors: PortalError | HTTPException) -> Mapping[int, ResponseSpec]:
    """One documented answer per status code, with the portal's error body and one example
    per error, named by its `code`. A 400 listed here replaces Litestar's default one."""
    by_status: dict[int, dict[str, Example]] = {}
    for error in errors:
        body = _body(error)
        by_status.setdefault(error.status_code, {})[body["code"]] = example(
            body["message"], body, name=body["code"]
        )
    return {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=f"{HTTPStatus(status).phrase}: "
            + ", ".join(f"`{code}`" for code in examples),
            examples=list(examples.values()),
            generate_examples=False,
        )
        for status, examples in sorted(by_status.items())
    }


def file_answer_operation(media_types: Iterable[str], description: str) -> type[Operation]:
    """An operation whose 200 is a file of one of `media_types`, which Litestar cannot infer
    from a `Stream` (it documents an empty JSON schema): described by hand."""
    types = tuple(media_types)

    @dataclass
    class FileAnswerOperation(Operation):
        def __post_init__(self) -> None:
            file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            self.responses = dict(self.responses or {})
            self.responses["200"] = OpenAPIResponse(
                description=description,
                content=dict.fromkeys(types, OpenAPIMediaType(schema=file)),
            )

    return FileAnswerOperation
