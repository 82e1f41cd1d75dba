"""A citizen's applications: apply, drafts, submit, withdraw, answer the agency."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts.auth import Auth, need, provide_auth, requires_role, resolve_auth
from backend.applications import services
from backend.applications.errors import ApplicationNotFoundError, ServiceNotDelegatedError
from backend.applications.schemas import (
    AnswerNeedsInfo,
    ApplicationCreate,
    ApplicationDetail,
    DraftUpdate,
    Withdraw,
)
from backend.system.idempotency import key_from_header, request_hash, run_idempotent

__all__ = ["ApplicationController"]

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="A random id generated once per submission; retries reuse it.",
        max_length=100,
    ),
]


def _json(body: bytes, status_code: int, replayed: bool) -> Response[bytes]:
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return Response(body, status_code=status_code, media_type=MediaType.JSON, headers=headers)


async def within_services(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard: a delegate authorised for some services only sees and acts on those services'
    applications; another's is as if it did not exist (404)."""
    del handler
    auth = await resolve_auth(connection)
    application_id = connection.path_params.get("application_id")
    if auth is None or auth.services is None or application_id is None:
        return
    slug = await services.service_of(auth.require_account(), int(application_id))
    if slug is None or not auth.allows_service(slug):
        raise ApplicationNotFoundError()


class ApplicationController(Controller):
    """A citizen's applications: apply, drafts, withdraw, answer a request for information."""

    path = "/api/v1/applications"
    tags = ["applications"]
    guards = [requires_role("citizen"), within_services]
    opt = need("apply")
    dependencies = {"auth": Provide(provide_auth)}
    # Personal data: never kept by a shared cache, nor by the service worker's copy of API
    # answers (which skips `private`); the PWA keeps its own copy, cleared on sign-out.
    cache_control = CacheControlHeader(private=True, no_cache=True)

    @post("/", operation_id="createApplication", status_code=HTTP_201_CREATED)
    async def create(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[Auth],
        data: JSONBody[ApplicationCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Submit (or save as a draft) an application. The same Idempotency-Key with the same
        body returns the same application; with another body, 409."""
        key = key_from_header(idempotency_key)
        assert key is not None
        account_id = auth.require_account()
        if not auth.allows_service(data.service):
            raise ServiceNotDelegatedError()
        fingerprint = request_hash("POST", request.url.path, msgspec.json.encode(data))

        async def work() -> tuple[int, bytes]:
            detail = await services.create_application(
                auth.actor(), account_id, data.service, data.answers, submit=data.submit
            )
            return HTTP_201_CREATED, msgspec.json.encode(detail)

        outcome = await run_idempotent(f"citizen:{account_id}", key, fingerprint, work)
        return _json(outcome.body, outcome.status_code, outcome.replayed)

    @get("/{application_id:int}", operation_id="getApplication", opt=need("status"))
    async def detail(
        self, auth: NamedDependency[Auth], application_id: FromPath[int]
    ) -> ApplicationDetail:
        """Answers, status, what the agency asked for, and the full status history."""
        return await services.get_detail(auth.require_account(), application_id)

    @put("/{application_id:int}/answers", operation_id="saveDraft")
    async def save_draft(
        self,
        auth: NamedDependency[Auth],
        application_id: FromPath[int],
        data: JSONBody[DraftUpdate],
    ) -> ApplicationDetail:
        """Save a draft's answers (checked as far as they go; required fields may be empty)."""
        account_id = auth.require_account()
        await services.update_draft(auth.actor(), account_id, application_id, data.answers)
        return await services.get_detail(account_id, application_id)

    @post("/{application_id:int}/submit", operation_id="submitDraft", status_code=HTTP_200_OK)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[Auth],
        application_id: FromPath[int],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Submit a saved draft (Idempotency-Key required)."""
        key = key_from_header(idempotency_key)
        assert key is not None
        account_id = auth.require_account()

        async def work() -> tuple[int, bytes]:
            await services.submit_draft(auth.actor(), account_id, application_id)
            detail = await services.get_detail(account_id, application_id)
            return HTTP_200_OK, msgspec.json.encode(detail)

        outcome = await run_idempotent(
            f"citizen:{account_id}", key, request_hash("POST", request.url.path), work
        )
        return _json(outcome.body, outcome.status_code, outcome.replayed)

    @delete("/{application_id:int}", operation_id="discardDraft")
    async def discard(self, auth: NamedDependency[Auth], application_id: FromPath[int]) -> None:
        """Discard a draft."""
        await services.discard_draft(auth.actor(), auth.require_account(), application_id)

    @post(
        "/{application_id:int}/withdraw",
        operation_id="withdrawApplication",
        status_code=HTTP_200_OK,
    )
    async def withdraw(
        self, auth: NamedDependency[Auth], application_id: FromPath[int], data: JSONBody[Withdraw]
    ) -> ApplicationDetail:
        """Withdraw an application the agency has not decided yet."""
        account_id = auth.require_account()
        await services.withdraw(auth.actor(), account_id, application_id, data.reason)
        return await services.get_detail(account_id, application_id)

    @post(
        "/{application_id:int}/answer",
        operation_id="answerNeedsInfo",
        status_code=HTTP_200_OK,
        opt=need("answer"),
    )
    async def answer(
        self,
        auth: NamedDependency[Auth],
        application_id: FromPath[int],
        data: JSONBody[AnswerNeedsInfo],
    ) -> ApplicationDetail:
        """Give the information the agency asked for; the review resumes."""
        account_id = auth.require_account()
        await services.answer_needs_info(
            auth.actor(), account_id, application_id, data.answers, data.message
        )
        return await services.get_detail(account_id, application_id)
