"""Authorisations made at a kiosk need one, with its operator."""

from tests.support.kiosk_fixtures import admin, kiosk

__all__ = ["admin", "kiosk"]
