"""Whether a database server answers, for tests and benchmarks that need one."""

from __future__ import annotations

import socket

import sqlalchemy as sa

__all__ = ["answers"]


def answers(url: str) -> bool:
    """Whether the server of a SQLAlchemy URL accepts a TCP connection (2 s timeout)."""
    u = sa.engine.make_url(url)
    try:
        with socket.create_connection((u.host or "127.0.0.1", u.port or 0), timeout=2):
            return True
    except OSError:
        return False
