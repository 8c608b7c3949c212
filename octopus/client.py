"""HTTP client for the Octopus REST API (ref §2-§6): tokens, retries, typed errors.

One `requests.Session` per client, so calls reuse the connection. Every request goes through
`OctopusClient._send`, which calls `call_guard` first (each retry is a real, counted call) and maps
transport failures to `TransientError` / `OutcomeUnknown`.
"""
from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode

import requests
from urllib3.exceptions import MaxRetryError, ProtocolError

from . import errors
from .errors import Context
from .tokens import MemoryTokenStore, TokenStore
from .vat import to_octopus_format

_logger = logging.getLogger(__name__)

TOKEN_LIFETIME = 600
"""Seconds a user or dossier token lives (ref §2.1, §3.2)."""
TOKEN_MARGIN = 30
"""A token is renewed this many seconds before it ends, so it never expires mid-call."""
USER_KEY = "user"

CallGuard = Callable[[str, int | None], None]
"""call_guard(operation, dossier_id): may raise DailyLimitReached to stop a call before it is sent."""


def dossier_key(dossier_id: int) -> str:
    """Token store key of a dossier token."""
    return f"dossier:{dossier_id}"


def format_timestamp(moment: datetime) -> str:
    """`modifiedTimeStamp` format "YYYY-MM-DD HH:MM:SS.mmm" in UTC; a naive datetime is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


@dataclass(frozen=True)
class _Call:
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


def _nothing_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection failed before the request left (refused, DNS, TLS, proxy).

    A reply lost after sending shows up as urllib3's ProtocolError or a raw socket error; any other
    ConnectionError (e.g. raised by a test guard patched into the session) never reached the wire.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        return not isinstance(cause.reason, ProtocolError)
    return not isinstance(cause, (ProtocolError, OSError))


def _field(body: Any, name: str) -> str:
    """A token from a 200 answer; a missing one is an Octopus error, not a KeyError."""
    value = body.get(name) if isinstance(body, dict) else None
    if not value:
        raise errors.OctopusError(200, message=f"Octopus answer has no {name!r}")
    return value


class OctopusClient:
    """Client for one Octopus user (software house uuid + user + password)."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        software_house_uuid: str,
        *,
        timeout: float = 30,
        token_store: TokenStore | None = None,
        call_guard: CallGuard | None = None,
        locale_id: int | None = None,
        session: requests.Session | None = None,
        max_retries: int = 2,
        backoff: float = 0.5,
        verify: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user = user
        self._password = password
        self.software_house_uuid = software_house_uuid
        self.timeout = timeout
        self.tokens: TokenStore = token_store if token_store is not None else MemoryTokenStore()
        self.call_guard = call_guard
        self.locale_id = locale_id
        self.session = session or requests.Session()
        self.max_retries = max_retries
        self.backoff = backoff
        self.verify = verify

    # -- public API -------------------------------------------------------------------------

    def authenticate(self) -> None:
        """Sign in now (also the "Test connection" check); raises AuthenticationError."""
        self._sign_in()

    def list_dossiers(self) -> list[dict]:
        """Dossiers this user may open (GET /dossiers)."""
        call = _Call("GET /dossiers", "GET", "/dossiers", "read")
        return self._user_call(call, empty_on_404=True)

    def dossier(self, dossier_id: int) -> DossierApi:
        """Calls inside one dossier; it connects on first use and reuses the dossier token."""
        return DossierApi(self, dossier_id)

    def close(self) -> None:
        """Release the pooled connections."""
        self.session.close()

    def __enter__(self) -> OctopusClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- tokens -----------------------------------------------------------------------------

    def _cached(self, key: str) -> str | None:
        entry = self.tokens.get(key)
        if entry and entry[1] - TOKEN_MARGIN > time.time():
            return entry[0]
        return None

    def _sign_in(self) -> str:
        call = _Call(
            "POST /authentication",
            "POST",
            "/authentication",
            "auth",
            body={"user": self.user, "password": self._password},
            headers={"softwareHouseUuid": self.software_house_uuid},
        )
        issued = time.time()
        token = _field(self._result(call, self._send(call)), "token")
        self.tokens.set(USER_KEY, token, issued + TOKEN_LIFETIME)
        return token

    def _user_token(self) -> str:
        return self._cached(USER_KEY) or self._sign_in()

    def _dossier_token(self, dossier_id: int) -> str:
        token = self._cached(dossier_key(dossier_id))
        if token:
            return token
        params = {"dossierId": dossier_id}
        if self.locale_id is not None:
            params["localeId"] = self.locale_id
        call = _Call("POST /dossiers", "POST", "/dossiers", "connect", dossier_id, params=params)
        issued = time.time()
        token = _field(self._user_call(call), "Dossiertoken")
        self.tokens.set(dossier_key(dossier_id), token, issued + TOKEN_LIFETIME)
        return token

    def _secrets(self, dossier_id: int | None) -> list[str]:
        keys = [USER_KEY] + ([dossier_key(dossier_id)] if dossier_id is not None else [])
        entries = [self.tokens.get(key) for key in keys]
        return [self._password] + [entry[0] for entry in entries if entry]

    # -- calls with a token -----------------------------------------------------------------

    def _user_call(self, call: _Call, *, empty_on_404: bool = False) -> Any:
        """A call with the user token; a 401 means it died early: sign in again and repeat once."""
        response = self._send(call, {"Token": self._user_token()})
        if response.status_code == 401:
            self.tokens.delete(USER_KEY)
            response = self._send(call, {"Token": self._user_token()})
        return self._result(call, response, empty_on_404=empty_on_404)

    def _dossier_call(self, call: _Call, *, empty_on_404: bool = False) -> Any:
        """A call with the dossier token; on 401 drop both tokens, sign in again, repeat once."""
        assert call.dossier_id is not None
        response = self._send(call, {"dossierToken": self._dossier_token(call.dossier_id)})
        if response.status_code == 401:
            self.tokens.delete(USER_KEY)
            self.tokens.delete(dossier_key(call.dossier_id))
            response = self._send(call, {"dossierToken": self._dossier_token(call.dossier_id)})
        return self._result(call, response, empty_on_404=empty_on_404)

    def _result(self, call: _Call, response: requests.Response, *, empty_on_404: bool = False) -> Any:
        """Decoded body of a 2xx answer ([] for "nothing found" lists), else the typed error."""
        if response.ok:
            return self._json(response) if response.content else None
        if response.status_code == 404 and empty_on_404:
            return []
        raise errors.error_from_response(
            response.status_code,
            self._json(response, strict=False),
            context=call.context,
            secrets=self._secrets(call.dossier_id),
        )

    @staticmethod
    def _json(response: requests.Response, *, strict: bool = True) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            if strict:
                raise errors.OctopusError(response.status_code, message="Octopus answer is not JSON") from exc
            return None

    # -- transport --------------------------------------------------------------------------

    def _send(self, call: _Call, token_headers: dict[str, str] | None = None) -> requests.Response:
        """Send with retries for repeatable calls (5xx, read timeout); map transport failures."""
        retries = self.max_retries if call.repeatable else 0
        attempt = 0
        while True:
            last = attempt >= retries
            try:
                response = self._send_once(call, token_headers or {})
            except requests.ReadTimeout as exc:
                if last:
                    raise self._lost(call, f"no answer within {self.timeout} s") from exc
            except requests.ConnectionError as exc:
                if call.repeatable or _nothing_sent(exc):
                    raise errors.TransientError(message=f"Cannot reach Octopus: {exc}") from exc
                raise self._lost(call, "the connection dropped") from exc
            except requests.exceptions.ChunkedEncodingError as exc:
                raise self._lost(call, "the answer was cut off") from exc
            else:
                if response.status_code < 500 or last:
                    return response
            time.sleep(self.backoff * 2**attempt)
            attempt += 1

    @staticmethod
    def _lost(call: _Call, what: str) -> errors.TransientError:
        if call.repeatable:
            return errors.TransientError(message=f"Octopus {call.operation}: {what}")
        return errors.OutcomeUnknown(
            message=f"Octopus {call.operation}: {what}; it may have been stored, check before resending"
        )

    def _send_once(self, call: _Call, token_headers: dict[str, str]) -> requests.Response:
        if self.call_guard is not None:
            self.call_guard(call.operation, call.dossier_id)
        headers = {"Accept": "application/json", **call.headers, **token_headers}
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        url = self.base_url + call.path
        if call.params:
            url += "?" + urlencode(call.params, quote_via=quote)
        started = time.monotonic()
        outcome: Any = "error"
        try:
            response = self.session.request(
                call.method, url, json=call.body, headers=headers, timeout=self.timeout, verify=self.verify
            )
            outcome = response.status_code
            return response
        except requests.RequestException as exc:
            outcome = type(exc).__name__
            raise
        finally:
            millis = (time.monotonic() - started) * 1000
            _logger.debug("Octopus %s %s -> %s (%.0f ms)", call.method, call.path, outcome, millis)


class DossierApi:
    """Octopus calls inside one dossier (paths under /dossiers/{dossierId})."""

    def __init__(self, client: OctopusClient, dossier_id: int) -> None:
        self.client = client
        self.dossier_id = dossier_id

    def _call(self, operation: str, method: str, path: str, context: Context, **kwargs: Any) -> _Call:
        path = f"/dossiers/{self.dossier_id}{path}"
        return _Call(operation, method, path, context, self.dossier_id, **kwargs)

    def _list(self, operation: str, path: str, **params: Any) -> list[dict]:
        call = self._call(operation, "GET", path, "read", params=params)
        return self.client._dossier_call(call, empty_on_404=True)

    # -- master data --------------------------------------------------------------------------

    def get_bookyears(self) -> list[dict]:
        return self._list("GET /bookyears", "/bookyears")

    def get_journals(self, bookyear_id: int) -> list[dict]:
        return self._list("GET /journals", f"/bookyears/{bookyear_id}/journals")

    def get_accounts(self, bookyear_id: int) -> list[dict]:
        return self._list("GET /accounts", "/accounts", bookyearId=bookyear_id)

    def get_vat_codes(self) -> list[dict]:
        return self._list("GET /vatcodes", "/vatcodes")

    # -- relations ----------------------------------------------------------------------------

    def find_relations(
        self,
        vat_nr: str | None = None,
        external_id: int | None = None,
        relation_id: int | None = None,
        name: str | None = None,
    ) -> list[dict]:
        """Relations matching ANY given filter (Octopus ORs them); no filter = all active ones.

        A VAT number is sent in Octopus' stored format ("BE0477.472.701") when it parses.
        """
        filters = {
            "relationId": relation_id,
            "extRelationId": external_id,
            "name": name,
            "vatNr": (to_octopus_format(vat_nr) or vat_nr) if vat_nr else None,
        }
        params = {key: value for key, value in filters.items() if value is not None}
        operation = "GET /relations?filtered" if params else "GET /relations"
        return self._list(operation, "/relations", **params)

    def modified_relations(self, since: datetime) -> tuple[list[dict], list[dict]]:
        """(modified, deleted) relations since `since` (UTC); ([], []) when none (404). 48 calls a day."""
        call = self._call("GET /relations/modified", "GET", "/relations/modified", "read",
                          params={"modifiedTimeStamp": format_timestamp(since)})
        answer = self.client._dossier_call(call, empty_on_404=True) or {}
        if not isinstance(answer, dict):
            return [], []
        return list(answer.get("modified") or []), list(answer.get("deleted") or [])

    def put_relation(self, relation: dict) -> dict | None:
        """Create or merge a relation: the stored relation when created (201), None when merged (204)."""
        call = self._call("PUT /relations", "PUT", "/relations", "write", body=relation)
        return self.client._dossier_call(call) or None

    # -- bookings -----------------------------------------------------------------------------

    def insert_buysell_booking(self, booking: dict, attachments: list[dict] | None = None) -> None:
        """Create a purchase/sales booking; attachments are [{"fileName", "fileData" (base64)}]."""
        body = {"buySellBookingServiceData": booking, "attachments": attachments or []}
        self._insert_booking("POST /buysellbookings", "/buysellbookings", booking, body)

    def insert_financial_booking(self, booking: dict, attachments: list[dict] | None = None) -> None:
        """Create a financial (F) or miscellaneous (D) booking."""
        body = {"financialDiversBookingServiceData": booking, "attachments": attachments or []}
        self._insert_booking("POST /financialdiversbookings", "/financialdiversbookings", booking, body)

    def get_buysell_booking(self, bookyear_id: int, journal_key: str, document_nr: int) -> dict:
        """One booking (10 calls/day!); raises NotFound."""
        params = {"bookyearId": bookyear_id, "journalKey": journal_key, "documentSeqNr": document_nr}
        call = self._call("GET /buysellbookings", "GET", "/buysellbookings", "read", params=params)
        return self.client._dossier_call(call)

    def modified_buysell_bookings(
        self, bookyear_id: int, journal_key: str | None, since: datetime
    ) -> list[dict]:
        """Bookings changed since `since` (UTC); bookyear -1 and journal None mean all."""
        params = _modified_params(bookyear_id, journal_key, since)
        return self._list("GET /buysellbookings/modified", "/buysellbookings/modified", **params)

    def modified_financial_bookings(
        self, bookyear_id: int, journal_key: str | None, since: datetime
    ) -> list[dict]:
        """Financial/miscellaneous bookings changed since `since` (UTC)."""
        params = _modified_params(bookyear_id, journal_key, since)
        path = "/financialdiversbookings/modified"
        return self._list("GET /financialdiversbookings/modified", path, **params)

    def modified_bookings(
        self, bookyear_id: int, journal_type: int, since: datetime, until: datetime | None = None
    ) -> tuple[list[dict], list[dict]]:
        """(modifiedBookings, deletedBookings) of a bookyear between `since` and `until` (UTC);
        ([], []) when none (404). Journal types 1 buy, 2 sell, 3 financial, 4 miscellaneous;
        -1 with bookyear -1 means all. The deleted ones are DocumentKeys {bookyearKey,
        journalType, journalSequenceNr, documentSequenceNr}. 48 calls a day."""
        params: dict[str, Any] = {"journalTypeId": journal_type, "modifiedTimeStamp": format_timestamp(since)}
        if until is not None:
            params["modifiedTimeStampTo"] = format_timestamp(until)
        call = self._call("GET /bookings/modified", "GET", f"/bookyears/{bookyear_id}/bookings/modified",
                          "read", params=params)
        answer = self.client._dossier_call(call, empty_on_404=True) or {}
        if not isinstance(answer, dict):
            return [], []
        return list(answer.get("modifiedBookings") or []), list(answer.get("deletedBookings") or [])

    def add_booking_attachment(
        self, bookyear_id: int, journal_key: str, document_nr: int, file_name: str, data_bytes: bytes
    ) -> None:
        """Attach a file to an existing booking (the booking is named in headers, ref §4.8)."""
        call = self._call(
            "POST /bookings/attachements",
            "POST",
            f"/bookyears/{bookyear_id}/bookings/attachements",
            "write",
            headers={"journalKey": journal_key, "documentSequennceNr": str(document_nr)},
            body={"fileName": file_name, "fileData": base64.b64encode(data_bytes).decode("ascii")},
        )
        self.client._dossier_call(call)

    # -- balancings (ref §4.10) ----------------------------------------------------------------

    def insert_balancing(self, debet_key: dict, credit_key: dict, amount: float) -> None:
        """Balance `amount` of a debit document with a credit document (keys from `balancing_key`).

        A sales invoice is the debit side and the customer's bank line the credit side; for a
        purchase it is the other way round. Octopus has no duplicate check: after OutcomeUnknown,
        read `modified_balancings` before sending again.
        """
        body = {"debetKey": debet_key, "creditKey": credit_key, "balanceAmount": round(amount, 2)}
        self.client._dossier_call(self._call("POST /balancings", "POST", "/balancings", "write", body=body))

    def delete_balancing(self, debet_key: dict, credit_key: dict) -> bool:
        """Undo the balancing of these two documents: True when deleted, False when there was none
        (so a repeat after a lost reply is harmless)."""
        body = {"debetKey": debet_key, "creditKey": credit_key}
        call = self._call("DELETE /balancings/delete", "DELETE", "/balancings/delete", "write", body=body)
        try:
            self.client._dossier_call(call)
        except errors.NotFound:
            return False
        return True

    def modified_balancings(self, since: datetime) -> tuple[list[dict], list[dict]]:
        """(modifiedBalancings, deletedBalancings) since `since` (UTC); ([], []) when none (404).
        48 calls a day."""
        call = self._call("GET /balancings/modified", "GET", "/balancings/modified", "read",
                          params={"modifiedTimeStamp": format_timestamp(since)})
        answer = self.client._dossier_call(call, empty_on_404=True) or {}
        if not isinstance(answer, dict):
            return [], []
        return list(answer.get("modifiedBalancings") or []), list(answer.get("deletedBalancings") or [])

    def _insert_booking(self, operation: str, path: str, booking: dict, body: dict) -> None:
        call = self._call(operation, "POST", path, "write", body=body)
        try:
            self.client._dossier_call(call)
        except errors.JournalUnavailable as exc:
            if isinstance(exc, errors.JournalLocked):
                raise
            raise self._closed_or_locked(exc, booking) from exc

    def _closed_or_locked(self, exc: errors.JournalUnavailable, booking: dict) -> errors.JournalUnavailable:
        """Decide between closed and locked by looking at the journal (-11 is ambiguous, ref §7.3).

        When the journal list cannot be read, "locked" is assumed: a later retry checks again,
        while a wrong "closed" would stop the booking until a person acts.
        """
        try:
            journals = self.get_journals(booking["bookyearKey"]["id"])
        except errors.OctopusError:
            journals = []  # unreadable: no journal found, so "locked" (see above)
        key = booking.get("journalKey")
        journal = next((j for j in journals if j.get("journalKey") == key), None)
        closed = journal is not None and _journal_closed_for(journal, booking.get("bookyearPeriodeNr"))
        cls = errors.JournalClosed if closed else errors.JournalLocked
        return cls(exc.status, exc.error_code, exc.message, exc.technical_info)


def _modified_params(bookyear_id: int, journal_key: str | None, since: datetime) -> dict[str, Any]:
    params: dict[str, Any] = {"bookyearId": bookyear_id}
    if journal_key:
        params["journalKey"] = journal_key
    params["modifiedTimeStamp"] = format_timestamp(since)
    return params


def _journal_closed_for(journal: dict, period: int | None) -> bool:
    """True if the journal is closed, or `period` is at or before its closed/protected period."""
    if journal.get("closed"):
        return True
    if not period:
        return False
    limits = (journal.get("closedPeriod") or 0, journal.get("protectedPeriod") or 0)
    return any(0 < limit and period <= limit for limit in limits)
