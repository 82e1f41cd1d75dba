"""Fee fixtures: two agencies' systems, and the push service's fixtures."""

from __future__ import annotations

from tests.support.agency import dopa, nhso
from tests.support.pushes import clock, push, settings, vapid

__all__ = ["clock", "dopa", "nhso", "push", "settings", "vapid"]  # fixtures for the tests here
