"""Where the client keeps its tokens between calls.

The client only needs get/set/delete; the Odoo side plugs in a database-backed store so that all
workers share one user token and one token per dossier (each connect costs from a 150/day budget).
"""

from __future__ import annotations

import threading
from typing import Protocol


class TokenStore(Protocol):
    """Keys are "user" and "dossier:<id>"; values are (token, expires_at as epoch seconds)."""

    def get(self, key: str) -> tuple[str, float] | None: ...

    def set(self, key: str, token: str, expires_at: float) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryTokenStore:
    """Token store for one process; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, key: str) -> tuple[str, float] | None:
        with self._lock:
            return self._tokens.get(key)

    def set(self, key: str, token: str, expires_at: float) -> None:
        with self._lock:
            self._tokens[key] = (token, expires_at)

    def delete(self, key: str) -> None:
        with self._lock:
            self._tokens.pop(key, None)
