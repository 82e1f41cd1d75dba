"""Recovery codes, issued in person only (rules in kiosk.services.recovery)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.accounts.schemas import CodeOut, RecoveryIssue
from backend.kiosk import services
from backend.kiosk.controllers.assisted import provide_operator
from backend.kiosk.errors import KioskRequiredError, RecoveryInPersonOnlyError
from backend.lib.qr import qr_svg
from backend.settings import Settings

__all__ = ["RecoveryCodeController"]


class RecoveryCodeController(Controller):
    path = "/api/v1/staff/recovery-codes"
    tags = ["staff"]
    guards = [requires_role("operator", "admin")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth)}

    @post("/", operation_id="issueRecoveryCode", status_code=HTTP_201_CREATED)
    async def issue(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[RecoveryIssue],
    ) -> CodeOut:
        """At a registered kiosk, in the assisted session of the citizen in front of you and
        after checking their ID card there: a 15-minute, single-use code with which they add a
        passkey on their own phone. A citizen who can still sign in (or proved who they are
        with a digital ID) needs a second staff member's approval first. Anywhere else: 403."""
        try:
            operator = await provide_operator(auth)
        except KioskRequiredError as exc:
            raise RecoveryInPersonOnlyError() from exc
        code, expires, _ = await services.recovery_code(operator, data.national_id, settings)
        url = f"{settings.public_origin}/#/recover?code={code}"
        return CodeOut(
            code=code, url=url, expires_at=expires, qr_svg=qr_svg(url, title="Recovery code")
        )
