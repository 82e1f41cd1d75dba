"""At the office: the operator's kiosk checks a citizen in and prints the queue ticket."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.appointments import services
from backend.appointments.schemas import CheckIn, Ticket
from backend.appointments.services.visits import identified_in_session
from backend.kiosk.controllers.assisted import provide_operator
from backend.kiosk.services import Operator

__all__ = ["KioskCheckInController"]


class KioskCheckInController(Controller):
    path = "/api/v1/kiosk/check-in"
    tags = ["kiosk", "appointments"]
    guards = [requires_role("operator")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth), "operator": Provide(provide_operator)}

    @post("/", operation_id="kioskCheckIn", status_code=HTTP_200_OK)
    async def check_in(
        self,
        auth: NamedDependency[Auth],
        operator: NamedDependency[Operator],
        data: JSONBody[CheckIn],
    ) -> Ticket:
        """Check in today's booking by its reference (QR), the application's tracking code,
        or (neither sent) the ID card checked in the assisted session open for the citizen;
        the queue ticket (the same one if asked again)."""
        identified = await identified_in_session(auth.assisted_id, auth.acting_for)
        return await services.check_in(operator.actor, data, identified=identified)
