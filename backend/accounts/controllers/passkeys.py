"""A signed-in person's own passkeys."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.accounts import services
from backend.accounts.auth import Auth, need, provide_auth, signed_in
from backend.accounts.schemas import (
    CeremonyOptions,
    CredentialIn,
    PasskeyOut,
    PasskeyRename,
)
from backend.settings import Settings


class PasskeyController(Controller):
    """A signed-in person's own passkeys."""

    path = "/api/v1/me/passkeys"
    tags = ["accounts"]
    guards = [signed_in]
    opt = need("owner")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = CacheControlHeader(private=True, no_cache=True)  # personal, like the profile

    @get("/", operation_id="listPasskeys")
    async def list_passkeys(self, auth: NamedDependency[Auth]) -> list[PasskeyOut]:
        """My passkeys (revoked ones are not listed)."""
        rows = await services.list_passkeys(auth.require_account())
        return [
            PasskeyOut(
                id=r["id"],
                name=r["name"],
                created_at=r["created_at"],
                multi_device=r["multi_device"],
                last_used_at=r["last_used_at"],
            )
            for r in rows
        ]

    @post("/options", operation_id="addPasskeyOptions", status_code=HTTP_200_OK)
    async def add_options(
        self, auth: NamedDependency[Auth], settings: NamedDependency[Settings]
    ) -> CeremonyOptions:
        """Creation options for another passkey (existing ones are excluded)."""
        ceremony = services.Ceremony(auth.session.id, auth.actor())
        return CeremonyOptions(
            public_key=await services.begin_add_passkey(ceremony, settings, auth.require_account())
        )

    @post("/", operation_id="addPasskey", status_code=HTTP_201_CREATED)
    async def add(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        data: JSONBody[CredentialIn],
    ) -> PasskeyOut:
        """Register another passkey for this account."""
        ceremony = services.Ceremony(auth.session.id, auth.actor())
        account_id = auth.require_account()
        passkey_id = await services.finish_add_passkey(
            ceremony, settings, account_id, data.credential, data.name
        )
        row = next(r for r in await services.list_passkeys(account_id) if r["id"] == passkey_id)
        return PasskeyOut(
            id=row["id"],
            name=row["name"],
            created_at=row["created_at"],
            multi_device=row["multi_device"],
        )

    @patch("/{passkey_id:int}", operation_id="renamePasskey")
    async def rename(
        self, auth: NamedDependency[Auth], passkey_id: FromPath[int], data: JSONBody[PasskeyRename]
    ) -> Response[None]:
        """Rename a passkey."""
        await services.rename_passkey(auth.actor(), auth.require_account(), passkey_id, data.name)
        return Response(None, status_code=204)

    @delete("/{passkey_id:int}", operation_id="revokePasskey")
    async def revoke(
        self,
        auth: NamedDependency[Auth],
        passkey_id: FromPath[int],
        confirm_last: FromQuery[bool] = False,
    ) -> None:
        """Revoke a passkey. The last one needs `confirm_last=true` (409 explains why)."""
        await services.revoke_passkey(
            auth.actor(), auth.require_account(), passkey_id, confirm_last=confirm_last
        )
