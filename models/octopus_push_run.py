"""Plain helpers of one push run (not models): the two kinds of booking a move gives rise to, the
Octopus clients shared by a run, the attempt being logged, and the exceptions of the push."""
from dataclasses import dataclass, field
from typing import Any, Callable

from psycopg2 import errors as pg_errors

from ..octopus import errors

# Errors of a concurrent worker touching the same rows: the move is simply tried again later.
CONCURRENCY_ERRORS = (pg_errors.LockNotAvailable, pg_errors.SerializationFailure, pg_errors.DeadlockDetected)


@dataclass(frozen=True)
class Kind:
    """Where one booking of a move keeps its state: the invoice booking or its payment."""

    name: str
    state: str
    journal_key: str
    document_nr: str
    sent_at: str
    check_needed: str
    message: str


INVOICE = Kind("invoice", "octopus_state", "octopus_journal_key", "octopus_document_nr", "octopus_sent_at",
               "octopus_check_needed", "octopus_message")
PAYMENT = Kind("payment", "octopus_payment_state", "octopus_payment_journal_key", "octopus_payment_document_nr",
               "octopus_payment_sent_at", "octopus_payment_check_needed", "octopus_payment_message")


@dataclass
class Prepared:
    """A booking ready to go but for its number, which is taken at the last moment."""

    bookyear: Any  # octopus.bookyear
    journal_year: Any  # octopus.journal.year the number comes from
    journal_key: str
    build: Callable[[int], dict]  # number -> booking JSON
    insert: Callable[[dict], None]  # booking JSON -> POST (attachments included)
    summary: str
    pdf_note: str = ""


class CheckFailed(Exception):
    """What keeps a move from being booked, found without calling Octopus (sentences with the fix)."""

    def __init__(self, problems):
        super().__init__(" ".join(problems))
        self.problems = problems


class Undecided(Exception):
    """Octopus' answers do not tell yet whether a booking whose reply was lost was stored."""


class PushSession:
    """The Octopus clients of one run, one per dossier: a batch shares connections and tokens."""

    def __init__(self):
        self._apis = {}

    def api(self, dossier, reserve=False):
        """DossierApi of `dossier`; `reserve` may spend the calls kept back for read-back checks."""
        key = (dossier.id, reserve)
        if key not in self._apis:
            self._apis[key] = dossier._get_api(use_reserve=reserve)
        return self._apis[key]

    def close(self):
        for api in self._apis.values():
            api.client.close()
        self._apis.clear()


@dataclass
class Attempt:
    """What one try did, logged as an octopus.push.attempt whatever its outcome."""

    trigger: str
    kind: Kind
    requests: list = field(default_factory=list)
    http_status: int = 0
    error_code: int = 0
    pdf_note: str = ""

    def request(self, text):
        self.requests.append(text)

    def error(self, exc):
        if isinstance(exc, errors.OctopusError):
            self.http_status = exc.status or 0
            self.error_code = exc.error_code or 0

    def save(self, move, outcome, message):
        # sudo: the attempt log is written by the addon for any user who pushes; users only read it
        return move.env["octopus.push.attempt"].sudo().create({
            "move_id": move.id,
            "document": self.kind.name,
            "trigger": self.trigger,
            "request_summary": "; ".join(self.requests)[:1000] or False,
            "http_status": self.http_status,
            "error_code": self.error_code,
            "message": message,
            "outcome": outcome,
        })
