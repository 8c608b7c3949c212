"""HTTP client for the Octopus REST API (ref §2-§6): tokens, retries, typed errors.

One `requests.Session` per client, so calls reuse the connection. Every request goes through
`OctopusClient._send`, which calls `call_guard` first (each retry is a real, counted call) and maps
transport failures to `TransientError` / `OutcomeUnknown`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import requests
from urllib3.exceptions import MaxRetryError, ProtocolError

from . import errors
from .call import Call
from .dossier import DossierApi
from .tokens import MemoryTokenStore, TokenStore

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
        call = Call("GET /dossiers", "GET", "/dossiers", "read")
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
        call = Call(
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
        call = Call("POST /dossiers", "POST", "/dossiers", "connect", dossier_id, params=params)
        issued = time.time()
        token = _field(self._user_call(call), "Dossiertoken")
        self.tokens.set(dossier_key(dossier_id), token, issued + TOKEN_LIFETIME)
        return token

    def _secrets(self, dossier_id: int | None) -> list[str]:
        keys = [USER_KEY] + ([dossier_key(dossier_id)] if dossier_id is not None else [])
        entries = [self.tokens.get(key) for key in keys]
        return [self._password] + [entry[0] for entry in entries if entry]

    # -- calls with a token -----------------------------------------------------------------

    def _user_call(self, call: Call, *, empty_on_404: bool = False) -> Any:
        """A call with the user token; a 401 means it died early: sign in again and repeat once."""
        response = self._send(call, {"Token": self._user_token()})
        if response.status_code == 401:
            self.tokens.delete(USER_KEY)
            response = self._send(call, {"Token": self._user_token()})
        return self._result(call, response, empty_on_404=empty_on_404)

    def _dossier_call(self, call: Call, *, empty_on_404: bool = False) -> Any:
        """A call with the dossier token; on 401 drop both tokens, sign in again, repeat once."""
        assert call.dossier_id is not None
        response = self._send(call, {"dossierToken": self._dossier_token(call.dossier_id)})
        if response.status_code == 401:
            self.tokens.delete(USER_KEY)
            self.tokens.delete(dossier_key(call.dossier_id))
            response = self._send(call, {"dossierToken": self._dossier_token(call.dossier_id)})
        return self._result(call, response, empty_on_404=empty_on_404)

    def _result(self, call: Call, response: requests.Response, *, empty_on_404: bool = False) -> Any:
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

    def _send(self, call: Call, token_headers: dict[str, str] | None = None) -> requests.Response:
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
    def _lost(call: Call, what: str) -> errors.TransientError:
        if call.repeatable:
            return errors.TransientError(message=f"Octopus {call.operation}: {what}")
        return errors.OutcomeUnknown(
            message=f"Octopus {call.operation}: {what}; it may have been stored, check before resending"
        )

    def _send_once(self, call: Call, token_headers: dict[str, str]) -> requests.Response:
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
