"""Staff invitations (admins); recovery codes are issued at a kiosk (kiosk.controllers)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.accounts import services
from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.accounts.schemas import (
    CodeOut,
    InvitationCreate,
)
from backend.lib.qr import qr_svg
from backend.settings import Settings


class StaffAccountsController(Controller):
    """Staff invitations (admins); recovery codes are issued at a kiosk (kiosk.controllers)."""

    path = "/api/v1"
    tags = ["staff"]
    dependencies = {"auth": Provide(provide_auth)}

    @post(
        "/admin/invitations",
        operation_id="inviteStaff",
        guards=[requires_role("admin")],
        opt=need("staff"),
        status_code=HTTP_201_CREATED,
    )
    async def invite(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[InvitationCreate],
    ) -> CodeOut:
        """Invite a staff member: the code lets them register their passkey once (72 h)."""
        code, expires = await services.issue_invitation(
            auth.actor(), role=data.role, full_name=data.full_name, agency_code=data.agency
        )
        url = f"{settings.public_origin}/#/invitation?code={code}"
        return CodeOut(
            code=code, url=url, expires_at=expires, qr_svg=qr_svg(url, title="Staff invitation")
        )
