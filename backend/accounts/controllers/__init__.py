"""Accounts HTTP API: ceremonies, the session, passkeys, recovery codes and invitations."""

from __future__ import annotations

from backend.accounts.controllers.ceremonies import AuthController
from backend.accounts.controllers.digital_id import DigitalIdCallback, DigitalIdController
from backend.accounts.controllers.passkeys import PasskeyController
from backend.accounts.controllers.profile import ProfileController
from backend.accounts.controllers.sessions import (
    MySessionsController,
    SessionController,
    SignoutController,
)
from backend.accounts.controllers.staff import StaffAccountsController

__all__ = [
    "AuthController",
    "DigitalIdCallback",
    "DigitalIdController",
    "MySessionsController",
    "PasskeyController",
    "ProfileController",
    "SessionController",
    "SignoutController",
    "StaffAccountsController",
]
