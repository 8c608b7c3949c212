"""Faults queued by tests: each fires on the next matching Octopus calls, then is used up."""

KINDS = ("5xx", "timeout", "drop", "drop_after_commit")


class FaultQueue:
    """Not thread-safe by itself: SandboxState calls it under its lock."""

    def __init__(self):
        self._pending = []  # [kind, remaining, path substring or None]

    def add(self, kind, count=1, path=None):
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        self._pending.append([kind, count, path])

    def take(self, request_path):
        """The kind of the first pending fault whose path filter matches, using one of its count."""
        for fault in self._pending:
            kind, _remaining, path = fault
            if path is None or path in request_path:
                fault[1] -= 1
                if fault[1] == 0:
                    self._pending.remove(fault)
                return kind
        return None

    def pending(self):
        return [{"kind": k, "count": n, "path": p} for k, n, p in self._pending]
