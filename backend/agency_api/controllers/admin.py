"""Administrators manage each agency's API credentials and webhook, and the dead letters of
webhook deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.accounts.auth import Auth, need, provide_auth, requires_role
from backend.agency_api import credentials, webhooks
from backend.agency_api.credentials import CredentialRow, NewCredential
from backend.agency_api.schemas import (
    CredentialCreate,
    CredentialOut,
    CredentialRotate,
    DeadWebhook,
    NewCredentialOut,
    WebhookOut,
    WebhookUpdate,
)
from backend.settings import Settings

__all__ = ["AgencyAdminController"]


def _out(row: CredentialRow) -> CredentialOut:
    now = dt.datetime.now(dt.UTC)
    return CredentialOut(
        key_id=row.key_id,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None or row.revoked_at > now,
    )


def _new(new: NewCredential) -> NewCredentialOut:
    return NewCredentialOut(
        key_id=new.key_id, secret=new.secret, name=new.name, created_at=new.created_at
    )


class AgencyAdminController(Controller):
    path = "/api/v1/admin"
    tags = ["staff"]
    guards = [requires_role("admin")]
    opt = need("staff")
    dependencies = {"auth": Provide(provide_auth)}
    cache_control = CacheControlHeader(no_store=True)

    @get("/agencies/{code:str}/credentials", operation_id="listAgencyCredentials")
    async def list_credentials(self, code: FromPath[str]) -> list[CredentialOut]:
        """The agency's API keys (never their secrets), oldest first."""
        return [_out(row) for row in await credentials.list_credentials(code)]

    @post(
        "/agencies/{code:str}/credentials",
        operation_id="createAgencyCredential",
        status_code=HTTP_201_CREATED,
    )
    async def create_credential(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        code: FromPath[str],
        data: JSONBody[CredentialCreate],
    ) -> NewCredentialOut:
        """A new key for the agency; the secret is in this answer only."""
        new = await credentials.create_credential(auth.actor(), code, data.name, settings=settings)
        return _new(new)

    @post(
        "/agencies/{code:str}/credentials/{key_id:str}/rotate",
        operation_id="rotateAgencyCredential",
        status_code=HTTP_201_CREATED,
    )
    async def rotate_credential(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        code: FromPath[str],
        key_id: FromPath[str],
        data: JSONBody[CredentialRotate],
    ) -> NewCredentialOut:
        """A replacement key; the old one keeps working for `grace_hours`, then is refused."""
        new = await credentials.rotate_credential(
            auth.actor(), code, key_id, dt.timedelta(hours=data.grace_hours), settings=settings
        )
        return _new(new)

    @delete(
        "/agencies/{code:str}/credentials/{key_id:str}",
        operation_id="revokeAgencyCredential",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def revoke_credential(
        self, auth: NamedDependency[Auth], code: FromPath[str], key_id: FromPath[str]
    ) -> None:
        """Refuse the key from now on."""
        await credentials.revoke_credential(auth.actor(), code, key_id)

    @get("/agencies/{code:str}/webhook", operation_id="getAgencyWebhook")
    async def get_webhook(self, code: FromPath[str]) -> WebhookOut:
        """Where the agency's events go (its secret is never shown again)."""
        return await webhooks.get_webhook(code)

    @put("/agencies/{code:str}/webhook", operation_id="setAgencyWebhook")
    async def set_webhook(
        self,
        auth: NamedDependency[Auth],
        settings: NamedDependency[Settings],
        code: FromPath[str],
        data: JSONBody[WebhookUpdate],
    ) -> WebhookOut:
        """Set the URL and switch it on or off; a signing secret is issued the first time
        (or with `new_secret`) and shown in this answer only."""
        return await webhooks.configure_webhook(auth.actor(), code, data, settings=settings)

    @get("/webhooks/dead", operation_id="listDeadWebhooks")
    async def dead_webhooks(
        self,
        agency: Annotated[str | None, QueryParameter(max_length=16)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[DeadWebhook]:
        """Webhook deliveries that gave up, newest first."""
        return await webhooks.dead_webhooks(agency, limit)

    @post(
        "/webhooks/dead/{message_id:int}/replay",
        operation_id="replayDeadWebhook",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def replay(self, auth: NamedDependency[Auth], message_id: FromPath[int]) -> None:
        """Try a dead-lettered delivery again (a fresh set of attempts, due now)."""
        await webhooks.replay_webhook(auth.actor(), message_id)
