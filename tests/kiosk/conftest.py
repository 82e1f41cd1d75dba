"""A registered kiosk with a signed-in operator, ready to serve citizens."""

from tests.support.kiosk_fixtures import admin, kiosk

__all__ = ["admin", "kiosk"]
