"""Staff-only account actions: recovery codes (operators) and invitations (admins)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.accounts import services
from backend.accounts.auth import (
    Auth,
    provide_auth,
    requires_role,
)
from backend.accounts.schemas import (
    CodeOut,
    InvitationCreate,
    RecoveryIssue,
)
from backend.lib.qr import qr_svg
from backend.settings import Settings


class StaffAccountsController(Controller):
    """Staff-only account actions: recovery codes (operators) and invitations (admins)."""

    path = "/api/v1"
    tags = ["staff"]
    dependencies = {"auth": Provide(provide_auth)}

    @post(
        "/staff/recovery-codes",
        operation_id="issueRecoveryCode",
        guards=[requires_role("operator", "admin")],
        status_code=HTTP_201_CREATED,
    )
    async def issue_recovery_code(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[RecoveryIssue],
    ) -> CodeOut:
        """After checking the citizen's ID card in person, issue a 15-minute, single-use code
        with which they add a passkey on their own phone."""
        code, expires, _ = await services.issue_recovery_code(auth.actor(), data.national_id)
        url = f"{settings.public_origin}/#/recover?code={code}"
        return CodeOut(
            code=code, url=url, expires_at=expires, qr_svg=qr_svg(url, title="Recovery code")
        )

    @post(
        "/admin/invitations",
        operation_id="inviteStaff",
        guards=[requires_role("admin")],
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
