"""SandboxState: the thread-safe in-memory Octopus (tokens, clock, quotas, faults, counters) and
the control API of ARCHITECTURE.md §1. Booking and relation rules live in bookings.py / relations.py."""

import base64
import copy
import datetime
import json
import secrets
import threading
import time

from . import balancings, bookings, loader, messages
from .errors import ApiError
from .faults import FaultQueue
from .limits import DAILY_LIMITS, LIMIT_ERROR_CODE

TOKEN_LIFETIME = 600  # seconds, user and dossier tokens alike (ref §2)
DEFAULT_TIMEOUT_SECONDS = 12.0
INVALID_TOKEN = "Invalid or expired token presented, unauthorized"


class SandboxState:
    """Every public attribute and method may be used by tests; HTTP calls hold `mutex`."""

    def __init__(self, seed=None):
        self.mutex = threading.RLock()
        self._seed = seed
        self.reset()

    def reset(self, seed=None):
        """Back to the seed (a new one if given) with default settings, no tokens, no counters."""
        with self.mutex:
            if seed is not None:
                self._seed = seed
            self.users, self.dossiers, self.strict = loader.load(self._seed)
            self._user_tokens = {}  # token -> (user name, expires)
            self._dossier_tokens = {}  # token -> (user name, dossier id, locale id, expires)
            self._faults = FaultQueue()
            self._usage = {}  # (day, dossier id or None, operation) -> calls
            self._offset = 0.0
            self.latency_ms = 0
            self.timeout_seconds = DEFAULT_TIMEOUT_SECONDS
            self.enforce_limits = True
            self.limits = dict(DAILY_LIMITS)
            self.call_counts = {}  # "POST /dossiers/{dossierId}/buysellbookings" -> n
            self.calls_by_dossier = {}  # dossier id -> {template: n}
            self.lock_error_code = -12
            self.created_body = False

    # -- clock ---------------------------------------------------------------------------------

    def now(self):
        """Sandbox time (epoch seconds): real time shifted by advance()."""
        return time.time() + self._offset

    def advance(self, seconds):
        with self.mutex:
            self._offset += seconds

    def today(self):
        return datetime.datetime.fromtimestamp(self.now(), datetime.timezone.utc).date().isoformat()

    # -- tokens --------------------------------------------------------------------------------

    def authenticate(self, user_name, password, software_house_uuid, ip_address):
        user = self.users.get(user_name)
        if user is None or user.password != password or user.software_house_uuid != software_house_uuid:
            raise ApiError(
                401, f"Incrementing failed login attempt count for user {user_name}, IP address {ip_address}. "
            )
        token = self._new_token({"sub": user.name})
        self._user_tokens[token] = (user.name, self.now() + TOKEN_LIFETIME)
        return token

    def user_of(self, token):
        if not token:
            raise ApiError(401, "Empty access token", -79, "Empty access token")
        entry = self._user_tokens.get(token)
        if entry is None or entry[1] <= self.now():
            raise ApiError(401, INVALID_TOKEN, -2, INVALID_TOKEN)
        return self.users[entry[0]]

    def connect(self, user, dossier_id, locale_id):
        """A dossier token for a signed-in user (see user_of)."""
        dossier = self.dossiers.get(dossier_id)
        if dossier is None:
            raise ApiError(404, f"Dossier {dossier_id} not found", -4, "Dossier not found")
        if dossier_id not in user.dossier_ids:
            raise ApiError(
                403, f"User {user.name} has no access to dossier {dossier_id}", -3, "Unauthorized or disabled dossier"
            )
        if dossier.disabled:
            raise ApiError(403, f"Dossier {dossier_id} is disabled", -5, "Unauthorized or disabled dossier")
        token = self._new_token({"sub": user.name, "dossier": dossier_id, "locale": locale_id})
        self._dossier_tokens[token] = (user.name, dossier_id, locale_id, self.now() + TOKEN_LIFETIME)
        return token

    def dossier_of(self, token, dossier_id):
        """The dossier a per-dossier call may use; the token must be for that very dossier."""
        if not token:
            raise ApiError(401, "Empty access token", -79, "Empty access token")
        entry = self._dossier_tokens.get(token)
        if entry is None or entry[3] <= self.now() or entry[1] != dossier_id:
            raise ApiError(401, INVALID_TOKEN, -2, INVALID_TOKEN)
        return self.dossiers[dossier_id]

    def language_of(self, token):
        """errorMessage language of a dossier token: its localeId, else the dossier's language."""
        _user, dossier_id, locale_id, _expires = self._dossier_tokens[token]
        return messages.language(locale_id, self.dossiers[dossier_id].info.get("languageCode"))

    def expire_tokens(self):
        with self.mutex:
            self._user_tokens.clear()
            self._dossier_tokens.clear()

    def _new_token(self, claims):
        """Opaque to clients, but shaped like the JWTs Octopus hands out."""

        def part(obj):
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

        claims = dict(claims, iat=int(self.now()), exp=int(self.now()) + TOKEN_LIFETIME, jti=secrets.token_hex(8))
        return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(32)}"

    # -- counters, quotas, faults ----------------------------------------------------------------

    def record_call(self, template, dossier_id=None):
        with self.mutex:
            self.call_counts[template] = self.call_counts.get(template, 0) + 1
            if dossier_id is not None:
                per = self.calls_by_dossier.setdefault(dossier_id, {})
                per[template] = per.get(template, 0) + 1

    def consume(self, operation, dossier_id=None):
        """Count one call against the day's quota of `operation`; 429 once it is used up."""
        key = (self.today(), dossier_id, operation)
        used = self._usage.get(key, 0)
        limit = self.limits.get(operation)
        if self.enforce_limits and limit is not None and used >= limit:
            raise ApiError(
                429,
                f"Maximum allowed calls per day reached ({limit}) for {operation}",
                LIMIT_ERROR_CODE,
                "Maximum allowed calls per day reached",
            )
        self._usage[key] = used + 1

    def set_limit(self, operation, calls):
        with self.mutex:
            self.limits[operation] = calls

    def inject_fault(self, kind, count=1, path=None):
        with self.mutex:
            self._faults.add(kind, count, path)

    def take_fault(self, request_path):
        with self.mutex:
            return self._faults.take(request_path)

    def pending_faults(self):
        with self.mutex:
            return self._faults.pending()

    # -- control: journals -----------------------------------------------------------------------

    def lock(self, dossier_id, journal_key=None, bookyear_id=None):
        """Mark journals "open by another user" (None = every journal / bookyear)."""
        self._set_journals(dossier_id, journal_key, bookyear_id, locked=True)

    def unlock(self, dossier_id, journal_key=None, bookyear_id=None):
        self._set_journals(dossier_id, journal_key, bookyear_id, locked=False)

    def close(self, dossier_id, bookyear_id, journal_key=None):
        """Close one journal of a bookyear, or the whole bookyear when no journal is given."""
        with self.mutex:
            if journal_key is None:
                self._bookyear(dossier_id, bookyear_id).closed = True
            else:
                self._set_journals(dossier_id, journal_key, bookyear_id, closed=True)

    def protect_period(self, dossier_id, bookyear_id, journal_key, period, closed=False):
        """Protect (or close) every period up to and including `period` in the journal."""
        field = "closed_period" if closed else "protected_period"
        self._set_journals(dossier_id, journal_key, bookyear_id, **{field: period})

    def _set_journals(self, dossier_id, journal_key, bookyear_id, **values):
        with self.mutex:
            dossier = self._dossier(dossier_id)
            years = (
                [self._bookyear(dossier_id, bookyear_id)]
                if bookyear_id is not None
                else list(dossier.bookyears.values())
            )
            for bookyear in years:
                if journal_key is not None and journal_key not in bookyear.journals:
                    raise ValueError(f"no journal {journal_key} in bookyear {bookyear.id}")
                for journal in bookyear.journals.values():
                    if journal_key in (None, journal.key):
                        for name, value in values.items():
                            setattr(journal, name, value)

    def _dossier(self, dossier_id):
        if dossier_id not in self.dossiers:
            raise ValueError(f"no dossier {dossier_id}")
        return self.dossiers[dossier_id]

    def _bookyear(self, dossier_id, bookyear_id):
        dossier = self._dossier(dossier_id)
        if bookyear_id not in dossier.bookyears:
            raise ValueError(f"no bookyear {bookyear_id} in dossier {dossier_id}")
        return dossier.bookyears[bookyear_id]

    # -- control: bookings -----------------------------------------------------------------------

    def bookings(self, dossier_id):
        """Stored buy/sell bookings, oldest first, attachments decoded to bytes."""
        return self._records(dossier_id, financial=False)

    def financial_bookings(self, dossier_id):
        return self._records(dossier_id, financial=True)

    def book_directly(self, dossier_id, bookyear_id, journal_key):
        """Simulate an accountant typing a booking in Octopus: the journal's number moves on."""
        with self.mutex:
            bookyear = self._bookyear(dossier_id, bookyear_id)
            if journal_key not in bookyear.journals:
                raise ValueError(f"no journal {journal_key} in bookyear {bookyear_id}")
            booking = bookings.typed_in_octopus(
                self.dossiers[dossier_id], bookyear, bookyear.journals[journal_key], self.today(), self.now()
            )
            return self.record(booking)

    def receive_by_peppol(self, dossier_id, bookyear_id, vat_nr, reference, amount, journal_key="A1"):
        """Play "Octopus' Peppol inbox booked a supplier's bill": a purchase booking of the relation
        with VAT number `vat_nr` (dots and spaces ignored), the supplier's invoice number as
        `reference` and `amount` as its total (negative: a credit note), numbered like any other."""
        with self.mutex:
            dossier = self._dossier(dossier_id)
            bookyear = self._bookyear(dossier_id, bookyear_id)
            journal = bookyear.journals.get(journal_key)
            if journal is None or journal.kind != "A":
                raise ValueError(f"no purchase journal {journal_key} in bookyear {bookyear_id}")
            wanted = _compact_vat(vat_nr)
            relation = next((r for r in dossier.relations if _compact_vat(r.get("vatNr")) == wanted), None)
            if not wanted or relation is None:
                raise ValueError(f"no relation with VAT number {vat_nr} in dossier {dossier_id}")
            content = bookings.peppol_content(dossier, relation, reference, amount)
            booking = bookings.typed_in_octopus(
                dossier, bookyear, journal, self.today(), self.now(), content=content, entered_by="peppol"
            )
            return self.record(booking)

    def delete_booking(self, dossier_id, bookyear_id, journal_key, nr):
        """Play "the accountant deleted this booking in Octopus" (its balancings go with it)."""
        with self.mutex:
            dossier = self._dossier(dossier_id)
            key = (bookyear_id, journal_key, nr)
            try:
                bookings.delete(dossier, key, self.now())
            except ApiError as error:
                raise ValueError(f"no booking {bookyear_id}/{journal_key}/{nr}") from error
            balancings.delete_for_booking(dossier, key, self.now())

    def change_booking(self, dossier_id, bookyear_id, journal_key, nr, changes=None):
        """Play "the accountant changed this booking in Octopus": `changes` are top-level fields
        of the stored booking; without them 10.00 is added to the first line and the total."""
        with self.mutex:
            try:
                booking = bookings.change(
                    self._dossier(dossier_id), (bookyear_id, journal_key, nr), changes, self.now()
                )
            except ApiError as error:
                raise ValueError(error.technical_info) from error
            return self.record(booking)

    # -- control: payments -----------------------------------------------------------------------

    def pay_in_octopus(self, dossier_id, bookyear_id, journal_key, nr, amount=None, bank_journal="F1"):
        """Play "the accountant matched a bank line with this invoice": a bank booking typed in
        Octopus (one line on the invoice's relation, money in for a sale, out for a purchase) for
        `amount` (default: all that stays open), and its balancing with the invoice.
        -> {"booking": record of the bank booking, "balancing": as GET /balancings/modified shows it}"""
        with self.mutex:
            dossier = self._dossier(dossier_id)
            bookyear = self._bookyear(dossier_id, bookyear_id)
            journal = bookyear.journals.get(bank_journal)
            if journal is None or journal.kind != "F":
                raise ValueError(f"no financial journal {bank_journal} in bookyear {bookyear_id}")
            invoice = self._document(dossier, (bookyear_id, journal_key, nr, -1))
            left = balancings.open_amount(dossier, invoice)
            amount = round(left if amount is None else float(amount), 2)
            if not 0 < amount <= left + balancings.TOLERANCE:
                raise ValueError(f"{amount:.2f} is not between 0 and the open amount {left:.2f}")
            line = {
                "type": invoice.type["type"],
                "relationId": invoice.type["relationKey"]["id"],
                "amount": amount if invoice.debit else -amount,
                "reference": balancings.display(dossier, invoice.key),
            }
            bank = bookings.typed_in_octopus(dossier, bookyear, journal, self.today(), self.now(), [line])
            line_key = (bookyear_id, bank_journal, bank.nr, 1)
            debet, credit = (invoice.key, line_key) if invoice.debit else (line_key, invoice.key)
            balancing = balancings.insert(
                dossier,
                {
                    "debetKey": balancings.key_json(debet),
                    "creditKey": balancings.key_json(credit),
                    "balanceAmount": amount,
                },
                self.now(),
            )
            return {"booking": self.record(bank), "balancing": balancings.answer(dossier, balancing)}

    def delete_balancing(self, dossier_id, debet_key, credit_key):
        """Play "the accountant undid a balancing" (keys as BalancingKeyServiceData)."""
        with self.mutex:
            try:
                balancings.delete(
                    self._dossier(dossier_id), {"debetKey": debet_key, "creditKey": credit_key}, self.now()
                )
            except ApiError as error:
                raise ValueError(error.technical_info) from None

    def balancings(self, dossier_id):
        """Current balancings, oldest first, as GET /balancings/modified shows them."""
        with self.mutex:
            dossier = self._dossier(dossier_id)
            return [
                balancings.answer(dossier, b) for b in sorted(dossier.balancings.values(), key=lambda b: b.modified)
            ]

    @staticmethod
    def _document(dossier, key):
        try:
            return balancings.document(dossier, key)
        except ApiError as error:
            raise ValueError(error.technical_info) from None

    def _records(self, dossier_id, financial):
        with self.mutex:
            found = [b for b in self._dossier(dossier_id).bookings.values() if b.financial == financial]
            return [self.record(b) for b in sorted(found, key=lambda b: b.modified)]

    def record(self, booking):
        """A booking for tests and the page: `booking` is what the API client sent (what the addon
        wrote), `stored` how Octopus holds it and reads it back (issue 17); the same for a booking
        typed or changed in Octopus."""
        return {
            "bookyearId": booking.bookyear_id,
            "journalKey": booking.journal_key,
            "documentSequenceNr": booking.nr,
            "booking": copy.deepcopy(booking.sent if booking.sent is not None else booking.data),
            "stored": copy.deepcopy(booking.data),
            "attachments": [dict(a) for a in booking.attachments],
            "modified": format_timestamp(booking.modified),
            "enteredBy": booking.entered_by,
        }


def _compact_vat(text):
    return "".join(ch for ch in (text or "") if ch.isalnum()).upper()


def format_timestamp(epoch):
    """Octopus' modifiedTimeStamp format, UTC (ref §5.7)."""
    moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
