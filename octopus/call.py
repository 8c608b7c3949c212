"""One logical Octopus request, and the timestamp format of the `.../modified` reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import Context


def format_timestamp(moment: datetime) -> str:
    """`modifiedTimeStamp` format "YYYY-MM-DD HH:MM:SS.mmm" in UTC; a naive datetime is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


@dataclass(frozen=True)
class Call:
    """One logical Octopus request: its budget key, its route, and what kind of call it is."""

    operation: str
    method: str
    path: str
    context: Context
    dossier_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def repeatable(self) -> bool:
        """Only writes must never be sent twice; sign-in, connect and reads are harmless to repeat."""
        return self.context != "write"
