"""Appointment fixtures: two agencies' systems, a kiosk with its operator."""

from __future__ import annotations

from tests.support.agency import dopa, nhso
from tests.support.kiosk_fixtures import admin, kiosk

__all__ = ["admin", "dopa", "kiosk", "nhso"]  # fixtures for the tests here
