"""Fixtures for the plain-pytest tests (no Odoo): the repository root goes on sys.path so that
`import octopus` and `import sandbox` work, and a sandbox server runs on 127.0.0.1."""

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sandbox import DEFAULT_SEED, SandboxServer  # noqa: E402  (needs the path above)


@pytest.fixture(scope="session")
def _sandbox_session():
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox_server(_sandbox_session):
    """The shared sandbox, reset to the demo seed and default settings for this test."""
    _sandbox_session.state.reset(DEFAULT_SEED)
    return _sandbox_session
