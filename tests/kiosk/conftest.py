"""Fixtures for every kiosk suite: the engine fixtures (fresh seeded store per test)."""

from tests.kiosk.engine.conftest import clock, engine

__all__ = ["clock", "engine"]
