"""Appointment fixtures: two agencies' systems, a kiosk with its operator, the push service."""

from __future__ import annotations

from tests.support.agency import dopa, nhso
from tests.support.kiosk_fixtures import admin, kiosk
from tests.support.pushes import clock, push, settings, vapid

__all__ = [
    "admin",
    "clock",
    "dopa",
    "kiosk",
    "nhso",
    "push",
    "settings",
    "vapid",
]  # fixtures for the tests here
