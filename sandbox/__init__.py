"""A local look-alike of the Octopus REST API for tests, benchmarks and demos (ARCHITECTURE.md §1).

Pure standard library; imports neither Odoo nor the client in ../octopus (it plays the other
side of the wire)."""

from .loader import DEFAULT_SEED
from .server import SandboxServer
from .state import SandboxState

__all__ = ["DEFAULT_SEED", "SandboxServer", "SandboxState"]
