"""Octopus calls inside one dossier (paths under /dossiers/{dossierId}, ref §4)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import errors
from .call import Call, Context, format_timestamp
from .vat import to_octopus_format

if TYPE_CHECKING:
    from .client import OctopusClient


class DossierApi:
    """Octopus calls inside one dossier (paths under /dossiers/{dossierId})."""

    def __init__(self, client: OctopusClient, dossier_id: int) -> None:
        self.client = client
        self.dossier_id = dossier_id

    def _call(self, operation: str, method: str, path: str, context: Context, **kwargs: Any) -> Call:
        path = f"/dossiers/{self.dossier_id}{path}"
        return Call(operation, method, path, context, self.dossier_id, **kwargs)

    def _list(self, operation: str, path: str, **params: Any) -> list[dict]:
        call = self._call(operation, "GET", path, "read", params=params)
        return self.client._dossier_call(call, empty_on_404=True)

    def _modified_and_deleted(
        self, operation: str, path: str, params: dict[str, Any], modified: str, deleted: str
    ) -> tuple[list[dict], list[dict]]:
        """The two lists of a `.../modified` answer object; ([], []) when Octopus answers 404."""
        call = self._call(operation, "GET", path, "read", params=params)
        answer = self.client._dossier_call(call, empty_on_404=True) or {}
        if not isinstance(answer, dict):
            return [], []
        return list(answer.get(modified) or []), list(answer.get(deleted) or [])

    # -- master data --------------------------------------------------------------------------

    def get_bookyears(self) -> list[dict]:
        return self._list("GET /bookyears", "/bookyears")

    def get_journals(self, bookyear_id: int) -> list[dict]:
        return self._list("GET /journals", f"/bookyears/{bookyear_id}/journals")

    def get_accounts(self, bookyear_id: int) -> list[dict]:
        return self._list("GET /accounts", "/accounts", bookyearId=bookyear_id)

    def get_currencies(self) -> list[str]:
        """The ISO codes of the currencies the dossier knows (ref §4.11; 2 calls a day)."""
        return [str(code) for code in self._list("GET /currencies", "/currencies")]

    def get_vat_codes(self) -> list[dict]:
        return self._list("GET /vatcodes", "/vatcodes")

    # -- cost centres (ref §4.11) ---------------------------------------------------------------

    def get_cost_centres(self) -> list[dict]:
        """Every cost centre, closed ones too: CostCentreServiceData {costCentreKey {id},
        description (StringServiceData), closed}; [] when none (404). 2 calls a day."""
        return self._list("GET /costcentres", "/costcentres")

    def get_active_cost_centres(self) -> list[dict]:
        """The cost centres not closed; [] when none (404). 2 calls a day."""
        return self._list("GET /costcentres/active", "/costcentres/active")

    def put_cost_centre(self, key: int, description: dict | str, closed: bool = False) -> None:
        """Create (201) or update (204) cost centre `key`: PUT is an upsert on the key, so repeating
        it after a lost reply updates instead of creating a second one. `description` is a
        StringServiceData or a text used for every language."""
        if not isinstance(description, dict):
            description = {f"description_{lang}": description for lang in ("NL", "FR", "EN", "DE")}
        body = {"costCentreKey": {"id": key}, "description": description, "closed": closed}
        self.client._dossier_call(self._call("PUT /costcentres", "PUT", "/costcentres", "write", body=body))

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
        params = {"modifiedTimeStamp": format_timestamp(since)}
        return self._modified_and_deleted(
            "GET /relations/modified", "/relations/modified", params, "modified", "deleted"
        )

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

    def modified_buysell_bookings(self, bookyear_id: int, journal_key: str | None, since: datetime) -> list[dict]:
        """Bookings changed since `since` (UTC); bookyear -1 and journal None mean all."""
        params = _modified_params(bookyear_id, journal_key, since)
        return self._list("GET /buysellbookings/modified", "/buysellbookings/modified", **params)

    def modified_financial_bookings(self, bookyear_id: int, journal_key: str | None, since: datetime) -> list[dict]:
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
        return self._modified_and_deleted(
            "GET /bookings/modified",
            f"/bookyears/{bookyear_id}/bookings/modified",
            params,
            "modifiedBookings",
            "deletedBookings",
        )

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
        params = {"modifiedTimeStamp": format_timestamp(since)}
        return self._modified_and_deleted(
            "GET /balancings/modified", "/balancings/modified", params, "modifiedBalancings", "deletedBalancings"
        )

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
