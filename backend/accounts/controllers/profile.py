"""My details, which forms prefill."""

from __future__ import annotations

from litestar import Controller, Response, get, patch
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from backend.accounts import services
from backend.accounts.auth import Auth, need, provide_auth, signed_in
from backend.accounts.schemas import (
    Profile,
    ProfileUpdate,
)


class ProfileController(Controller):
    """My details, which forms prefill (name, ID number, phone, address)."""

    path = "/api/v1/me/profile"
    tags = ["accounts"]
    guards = [signed_in]
    dependencies = {"auth": Provide(provide_auth)}

    @get("/", operation_id="getProfile", cache_control=None, opt=need("apply"))
    async def get_profile(self, auth: NamedDependency[Auth]) -> Response[Profile]:
        """What the portal knows about me."""
        return Response(
            await services.profile(auth.require_account()),
            headers={"Cache-Control": "private, no-cache"},
        )

    @patch("/", operation_id="updateProfile", opt=need("profile"))
    async def update_profile(
        self, auth: NamedDependency[Auth], data: JSONBody[ProfileUpdate]
    ) -> Profile:
        """Change my phone, address or language (name and ID number change only in person)."""
        await services.update_profile(
            auth.actor(),
            auth.require_account(),
            phone=data.phone,
            address=data.address,
            language=data.language,
        )
        return await services.profile(auth.require_account())
