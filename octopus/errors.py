"""Typed Octopus errors and the one table that maps an HTTP answer to them.

Callers branch on the class (and `error_code`), never on message text. Octopus error bodies
(`ErrorResult`) may carry any subset of errorCode / errorMessage / technicalInfo (ref §6), so every
field is optional here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

Context = Literal["auth", "connect", "read", "write"]
"""What kind of call got the answer: sign-in, dossier connect, a read, or a write."""

REDACTED = "***"


class OctopusError(Exception):
    """Base class: an Octopus call failed. `str()` is a readable message without secrets."""

    def __init__(
        self,
        status: int | None = None,
        error_code: int | None = None,
        message: str | None = None,
        technical_info: str | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.technical_info = technical_info
        super().__init__(self._text())

    def _text(self) -> str:
        text = self.message or self.technical_info
        if text:
            return text.strip()
        if self.status:
            return f"Octopus answered HTTP {self.status}"
        return "Octopus call failed"

    def __str__(self) -> str:
        return self._text()


class AuthenticationError(OctopusError):
    """Wrong user, password or software house id, or a token Octopus keeps refusing."""


class DossierAccessError(OctopusError):
    """The dossier is unknown, disabled, or this user has no access to it."""


class NotFound(OctopusError):
    """A single object (e.g. one booking) does not exist."""


class BookingRefused(OctopusError):
    """Octopus rejected the data (HTTP 400 business validation): a person must fix it."""


class UnknownJournal(BookingRefused):
    """errorCode -10."""


class IllegalDocumentNumber(BookingRefused):
    """errorCode -13: the number is not the journal's last number + 1."""

    _LAST = re.compile(r"Last\s+Document\s*[=:]\s*(-?\d+)", re.IGNORECASE)

    @property
    def last_document_nr(self) -> int | None:
        """The journal's last number, read from technicalInfo (both known wordings, ref §5.1)."""
        match = self._LAST.search(self.technical_info or "")
        return int(match.group(1)) if match else None


class UnknownPeriod(BookingRefused):
    """errorCode -14: the period number is not one of the bookyear's periods."""


class PeriodProtected(BookingRefused):
    """errorCode -15."""


class UnknownRelation(BookingRefused):
    """errorCode -16."""


class UnknownCurrency(BookingRefused):
    """errorCode -19."""


class IllegalExchangeRate(BookingRefused):
    """errorCode -20."""


class UnknownAccount(BookingRefused):
    """errorCode -21."""


class UnknownVatCode(BookingRefused):
    """errorCode -22."""


class UnknownCostCentre(BookingRefused):
    """errorCode -40: a line names a cost centre the dossier does not have."""


class CostCentreClosed(BookingRefused):
    """errorCode -41: a line names a cost centre that is closed in Octopus."""


class InvalidAmounts(BookingRefused):
    """errorCode -23: a line's base and VAT amounts have different signs."""


class InvalidElements(BookingRefused):
    """HTTP 500 "Invalid elements in the passed object": Octopus could not read a value (a date in
    the wrong format, a text where a number belongs). Nothing was stored; resending the same data
    fails the same way, so this is a refusal, not an unknown outcome (ref §4.6, §6)."""

    def _text(self) -> str:
        detail = (self.technical_info or "").strip()
        return "Octopus could not read the data sent: a field has a value of the wrong type or format" + (
            f" ({detail})" if detail else ""
        )


class JournalUnavailable(OctopusError):
    """HTTP 403 on a write: the journal is closed or open by another user."""


class JournalLocked(JournalUnavailable):
    """The journal is open by another user (-12, or -11 on a journal that is in fact open): retry later."""


class JournalClosed(JournalUnavailable):
    """The journal or the booking's period is really closed: an accountant must reopen it."""


class DailyLimitReached(OctopusError):
    """The daily call budget of an operation is used up (HTTP 429, or stopped by call_guard)."""


class TransientError(OctopusError):
    """A failure worth retrying later: 5xx, timeout, connection error on a call safe to repeat."""


class TokenRefused(TransientError):
    """HTTP 401 on a call made with a token just renewed: the sign-in itself worked, so this is no
    wrong password. Tokens died again in between (expiry, another sign-in); Octopus checks the token
    before anything else, so nothing was stored and the call can simply be made again later."""


class OutcomeUnknown(TransientError):
    """A write was sent but its reply was lost: check whether it landed before sending again."""


BOOKING_ERRORS: dict[int, type[BookingRefused]] = {
    -10: UnknownJournal,
    -13: IllegalDocumentNumber,
    -14: UnknownPeriod,
    -15: PeriodProtected,
    -16: UnknownRelation,
    -19: UnknownCurrency,
    -20: IllegalExchangeRate,
    -21: UnknownAccount,
    -22: UnknownVatCode,
    -23: InvalidAmounts,
    -40: UnknownCostCentre,
    -41: CostCentreClosed,
}
JOURNAL_CLOSED_CODE = -11
JOURNAL_LOCKED_CODE = -12
_LIMIT_TEXT = "maximum allowed calls"
_INVALID_ELEMENTS_TEXT = "invalid elements in the passed object"


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clean(text: Any, secrets: Iterable[str]) -> str | None:
    if text is None or text == "":
        return None
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _error_class(status: int, code: int | None, technical_info: str, context: Context) -> type[OctopusError]:
    if status == 429 or (400 <= status < 500 and _LIMIT_TEXT in technical_info.lower()):
        return DailyLimitReached
    if status >= 500 and _INVALID_ELEMENTS_TEXT in technical_info.lower():
        return InvalidElements
    if status >= 500:
        return OutcomeUnknown if context == "write" else TransientError
    if status == 401:
        return AuthenticationError if context == "auth" else TokenRefused
    if context == "connect" and status in (403, 404):
        return DossierAccessError
    if status == 403 and context == "write":
        return {JOURNAL_LOCKED_CODE: JournalLocked, JOURNAL_CLOSED_CODE: JournalClosed}.get(code, JournalUnavailable)
    if status == 404:
        return NotFound
    if code in BOOKING_ERRORS:
        return BOOKING_ERRORS[code]
    if status == 400 and context == "write":
        return BookingRefused
    return OctopusError


def error_from_response(
    status: int,
    body: Any,
    *,
    context: Context = "read",
    secrets: Iterable[str] = (),
) -> OctopusError:
    """Build the typed error for a non-2xx answer.

    `body` is the decoded JSON (any shape; a non-dict counts as empty). Each value in `secrets`
    (password, tokens) is blanked out of the texts in case the server echoes it.
    """
    fields: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    secrets = tuple(secrets)
    code = _int_or_none(fields.get("errorCode"))
    message = _clean(fields.get("errorMessage"), secrets)
    technical_info = _clean(fields.get("technicalInfo"), secrets)
    cls = _error_class(status, code, technical_info or "", context)
    return cls(status, code, message, technical_info)
