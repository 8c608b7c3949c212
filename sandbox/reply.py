"""What a route answers, and how it goes on the wire (JSON keys sorted, as Octopus does, ref §1)."""

import json
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    body: object = None  # JSON-able, text or bytes; None = empty body
    content_type: str = "application/json"

    def encode(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, sort_keys=True, ensure_ascii=False).encode("utf-8")
