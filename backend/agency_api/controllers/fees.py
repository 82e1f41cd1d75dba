"""The agency API's fee calls: set the fee of an application (per-application services) and
confirm a payment the agency's bank reported. Both signed, both with an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post, put
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.status_codes import HTTP_200_OK

from backend.agency_api import examples
from backend.agency_api.controllers.common import (
    AGENCY_API,
    CALLER,
    NO_STORE,
    SECURITY,
    IdempotencyKey,
    documented,
    idempotent,
)
from backend.agency_api.guard import AgencyCaller, signed_by_agency
from backend.fees import services as fees
from backend.fees.schemas import FeeSet, FeeView, PaymentConfirm, PaymentConfirmed
from backend.lib.openapi import answer, example
from backend.system.idempotency import key_from_header, request_hash

__all__ = ["AgencyFeesController"]


async def _once(
    request: Request[Any, Any, Any],
    caller: AgencyCaller,
    idempotency_key: str | None,
    work: Callable[[], Awaitable[msgspec.Struct]],
) -> Response[bytes]:
    """One call per (agency, Idempotency-Key), the key required."""
    key = key_from_header(idempotency_key)
    assert key is not None
    fingerprint = request_hash(request.method, request.url.path, await request.body())
    return await idempotent(f"agency:{caller.agency_id}", key, fingerprint, work)


class AgencyFeesController(Controller):
    """Fees: what an application owes and its payment."""

    path = f"{AGENCY_API}/applications/{{application_id:int}}"
    tags = ["agency-api"]
    guards = [signed_by_agency]
    dependencies = CALLER
    security = SECURITY
    cache_control = NO_STORE

    @post(
        "/payment",
        operation_id="agencyConfirmPayment",
        status_code=HTTP_200_OK,
        responses=documented(
            HTTP_200_OK,
            answer(
                PaymentConfirmed,
                "Paid (or, for a payment already confirmed, the same answer again).",
                example("Paid", examples.PAYMENT_CONFIRMED),
            ),
            examples.STATUS_KEY_MISSING,
            examples.OUT_OF_RANGE,
            examples.APPLICATION_NOT_FOUND,
            *examples.PAYMENT_CONFLICTS,
            examples.PAID_IN_FUTURE,
        ),
    )
    async def confirm_payment(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[AgencyCaller],
        application_id: FromPath[int],
        data: Annotated[
            PaymentConfirm, Body(media_type=RequestEncodingType.JSON, examples=examples.PAYMENT)
        ],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Confirm a payment your bank reported (Idempotency-Key required): the amount and
        reference 2 (and reference 1, if sent) must be the fee's, else 409; confirming a paid
        fee again is a no-op. The citizen is told and gets an e-receipt; the application
        moves to the service's `fee_on_paid` status where allowed. Never send card or
        account data."""
        return await _once(
            request,
            caller,
            idempotency_key,
            lambda: fees.confirm_payment(caller.agency_id, application_id, data, caller.actor()),
        )

    @put(
        "/fee",
        operation_id="agencySetFee",
        status_code=HTTP_200_OK,
        responses=documented(
            HTTP_200_OK,
            answer(FeeView, "The fee now due.", example("Due", examples.FEE_DUE)),
            examples.STATUS_KEY_MISSING,
            examples.OUT_OF_RANGE,
            examples.APPLICATION_NOT_FOUND,
            *examples.FEE_CONFLICTS,
        ),
    )
    async def set_fee(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[AgencyCaller],
        application_id: FromPath[int],
        data: Annotated[
            FeeSet, Body(media_type=RequestEncodingType.JSON, examples=examples.FEE_SET)
        ],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """Set (or, while unpaid, change) the fee of an application of a service whose fee
        is `per_application` (Idempotency-Key required). The citizen gets a push and the Thai
        QR code to pay."""
        return await _once(
            request,
            caller,
            idempotency_key,
            lambda: fees.set_fee(caller.agency_id, application_id, data, caller.actor()),
        )
