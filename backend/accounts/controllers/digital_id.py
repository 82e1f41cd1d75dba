"""Verification with the national digital ID (OpenID Connect): start, the provider's
callback (a browser navigation: it answers with a redirect into the PWA or a Thai error
page, never JSON), the verified person, and the two ways on from there (a first passkey, or
signing in with the account that already holds the number)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, MediaType, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER

from backend.accounts import errors
from backend.accounts.auth import Auth, provide_optional_auth
from backend.accounts.controllers.ceremonies import AnyRequest, _finish, _ip, in_session
from backend.accounts.schemas import CeremonyOptions, CredentialIn, SessionOut
from backend.accounts.services import Ceremony
from backend.accounts.services import digital_id as service
from backend.accounts.services.enrolment import begin_verified_enrol
from backend.lib.errors import NotAuthenticatedError
from backend.lib.schema import Struct
from backend.lib.static import load_bundle, page_stylesheet
from backend.settings import Settings

__all__ = ["DigitalIdCallback", "DigitalIdController"]

Phone = Annotated[str, msgspec.Meta(max_length=20)]


class DigitalIdInfo(Struct):
    enabled: bool
    name: str
    """What citizens call the provider (e.g. ThaiD)."""


class DigitalIdStart(Struct):
    intent: Literal["signup", "verify"]


class DigitalIdRedirect(Struct):
    url: str
    """Send the browser here (the provider's page or app)."""


class VerifiedPerson(Struct):
    full_name: str
    national_id_masked: str
    provider: str
    holder: Literal["none", "other", "verified"]
    """Whether an account already holds the number: none; another, self-asserted one (sign
    in with it if it is yours, else it will be frozen and the number becomes yours); or a
    verified account (yours: a new passkey is added to it)."""
    has_passkey: bool


class VerifiedEnrolStart(Struct):
    phone: Phone = ""
    language: Literal["th", "en"] = "th"
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""


def _ceremony(auth: Auth | None) -> Ceremony:
    if auth is None:
        raise errors.VerifiedPersonMissingError()
    return Ceremony(auth.session.id, auth.actor())


class DigitalIdController(Controller):
    path = "/api/v1/auth/digital-id"
    tags = ["accounts"]
    dependencies = {"maybe_auth": Provide(provide_optional_auth)}

    @get("/", operation_id="digitalIdInfo", cache_control=None)
    async def info(self, settings: NamedDependency[Settings]) -> Response[DigitalIdInfo]:
        """Whether verification with a digital ID is offered here."""
        body = DigitalIdInfo(enabled=settings.digital_id_on, name=settings.digital_id_name)
        return Response(body, headers={"Cache-Control": "no-cache"})

    @post("/start", operation_id="digitalIdStart", status_code=HTTP_200_OK)
    async def start(
        self,
        request: AnyRequest,
        data: JSONBody[DigitalIdStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[DigitalIdRedirect]:
        """Where to send the browser to prove who the person is. `verify` raises the
        signed-in citizen's own account (never one an operator is serving)."""
        account_id = None
        if data.intent == "verify":
            # An operator serving a citizen holds an operator's session: refused here too.
            if maybe_auth is None or maybe_auth.session.role != "citizen":
                raise NotAuthenticatedError()
            account_id = maybe_auth.session.account_id

        async def redirect(ceremony: Ceremony) -> DigitalIdRedirect:
            return DigitalIdRedirect(
                url=await service.start(ceremony, settings, data.intent, account_id)
            )

        return await in_session(request, maybe_auth, settings, redirect)

    @get("/person", operation_id="digitalIdPerson", cache_control=None)
    async def person(self, maybe_auth: NamedDependency[Auth | None]) -> Response[VerifiedPerson]:
        """Who this browser proved to be (for 15 minutes), and whether an account already
        holds the number."""
        found = await service.person_of(_ceremony(maybe_auth))
        body = VerifiedPerson(
            full_name=found["full_name"],
            national_id_masked=found["national_id_masked"],
            provider=found["provider"],
            holder=found["holder"],
            has_passkey=found["has_passkey"],
        )
        return Response(body, headers={"Cache-Control": "no-store"})

    @post("/enrol/options", operation_id="digitalIdEnrolOptions", status_code=HTTP_200_OK)
    async def enrol_options(
        self,
        data: JSONBody[VerifiedEnrolStart],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> CeremonyOptions:
        """Passkey options for the verified person (finish with `POST /api/v1/auth/enrol`)."""
        options = await begin_verified_enrol(
            _ceremony(maybe_auth),
            settings,
            phone=data.phone,
            language=data.language,
            address=data.address,
        )
        return CeremonyOptions(public_key=options)

    @post("/claim/options", operation_id="digitalIdClaimOptions", status_code=HTTP_200_OK)
    async def claim_options(
        self, maybe_auth: NamedDependency[Auth | None], settings: NamedDependency[Settings]
    ) -> CeremonyOptions:
        """Sign-in options for the account already holding the verified number."""
        return CeremonyOptions(
            public_key=await service.begin_claim(_ceremony(maybe_auth), settings)
        )

    @post("/claim", operation_id="digitalIdClaim", status_code=HTTP_200_OK)
    async def claim(
        self,
        request: AnyRequest,
        data: JSONBody[CredentialIn],
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        """Signed in with that account's passkey: it is theirs, and is now verified."""
        return await _finish(
            request,
            maybe_auth,
            settings,
            "signin",
            lambda ceremony: service.finish_claim(ceremony, settings, data.credential),
        )


_PAGE = """<!doctype html>
<html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>ยืนยันตัวตนไม่สำเร็จ · Verification failed</title>
<link rel="icon" href="{icon}" type="image/svg+xml">
<link rel="stylesheet" href="{stylesheet}"></head>
<body><main id="main" class="digital-id-error">
<h1>ยืนยันตัวตนไม่สำเร็จ</h1><p role="alert">{th}</p>
<p lang="en"><strong>Verification failed.</strong> {en}</p>
<p><a class="button" href="{back}">กลับไปลองใหม่ · Back</a></p>
</main></body></html>
"""


class DigitalIdCallback(Controller):
    """Where the provider sends the browser back."""

    path = "/auth/digital-id/callback"
    tags = ["accounts"]
    include_in_schema = False
    dependencies = {"maybe_auth": Provide(provide_optional_auth)}

    @get("/", cache_control=None)
    async def callback(
        self,
        request: AnyRequest,
        maybe_auth: NamedDependency[Auth | None],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        query = request.query_params  # `state` is a name Litestar keeps for itself
        code, state, error = query.get("code"), query.get("state"), query.get("error")
        ceremony = Ceremony(maybe_auth.session.id, maybe_auth.actor()) if maybe_auth else None
        try:
            target = await service.callback(
                ceremony, settings, code=code, state=state, error=error, ip=_ip(request)
            )
        except service.DigitalIdFailure as failure:
            back = "/#/account" if maybe_auth and maybe_auth.account_id else "/#/enrol"
            page = _PAGE.format(
                th=html.escape(failure.th),
                en=html.escape(failure.en),
                back=back,
                stylesheet=html.escape(page_stylesheet(settings.pwa_dir)),
                icon=html.escape(load_bundle(Path(settings.pwa_dir)).versioned("icons/icon.svg")),
            )
            headers = {"Cache-Control": "no-store"}
            if failure.status == 503:
                headers["Retry-After"] = "30"
            return Response(
                page, status_code=failure.status, media_type=MediaType.HTML, headers=headers
            )
        return Response(
            "",
            status_code=HTTP_303_SEE_OTHER,
            headers={"Location": target, "Cache-Control": "no-store"},
        )
