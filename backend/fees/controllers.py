"""The citizen's fee: what to pay with its Thai QR code, and the e-receipt once paid."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.params import FromPath

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.applications.controllers.citizen import within_services
from backend.fees import services
from backend.fees.receipt import render_receipt
from backend.fees.schemas import FeeOut
from backend.lib.static import page_stylesheet
from backend.settings import Settings

__all__ = ["FeeController", "PaymentReceiptController"]


class FeeController(Controller):
    path = "/api/v1/applications/{application_id:int}/fee"
    tags = ["applications"]
    # A delegate authorised for some services sees only their applications' fees.
    guards = [requires_role("citizen"), within_services]
    opt = need("status")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = CacheControlHeader(private=True, no_cache=True)

    @get("/", operation_id="getApplicationFee")
    async def fee(self, auth: NamedDependency[Auth], application_id: FromPath[int]) -> FeeOut:
        """The application's fee: amount, due date and, until paid, the Thai QR code any
        banking app pays; once paid, the e-receipt's address. None: 404 fee_not_found."""
        return await services.citizen_fee(auth.require_account(), application_id)


class PaymentReceiptController(Controller):
    path = "/payment-receipt"
    include_in_schema = False
    guards = [requires_role("citizen"), within_services]
    opt = need("status")
    dependencies = {"auth": Provide(provide_auth)}

    @get("/{application_id:int}", operation_id="paymentReceipt")
    async def receipt(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        application_id: FromPath[int],
    ) -> Response[str]:
        """The e-receipt of the application's paid fee (printable HTML)."""
        fee = await services.receipt_data(auth.require_account(), application_id)
        page = render_receipt(fee, page_stylesheet(settings.pwa_dir))
        return Response(page, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})
