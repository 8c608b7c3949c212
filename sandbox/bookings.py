"""Buy/sell and financial/miscellaneous booking rules: shape, the validation order of ref §6.4,
numbering per (bookyear, journal), storage, and the reads built on what was stored."""

import base64
import binascii
import copy
import datetime
import re
from dataclasses import dataclass

from . import cost_centres, relations, schema
from .errors import INVALID_ELEMENTS, ApiError, bad_params, not_found, refused
from .model import Booking

LOCK_MESSAGE = "Journal either closed or open by other user"
FLOAT_FIELDS = ("amount", "exchangeRate", "baseAmount", "vatAmount", "vatRecupPercentage")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AMOUNT_TOLERANCE = 0.005


@dataclass(frozen=True)
class Kind:
    """What differs between the two booking families."""

    wrapper: str  # key of the booking inside the POST body
    required: tuple
    dates: tuple
    journal_types: str
    financial: bool
    schema: dict  # the bare booking's fields (PUT), wrapped in `request_schema` for POST
    request_schema: dict

    def illegal_nr(self, dossier_id, last, new):
        # The two recorded texts differ (ref §5.1); both are reproduced verbatim.
        if self.financial:
            return (
                f"Unable to insert booking in dossier {dossier_id}.  "
                f"Illegal document sequence nr.  Last Document : {last}"
            )
        return (
            f"Unable to insert booking in dossier {dossier_id}.  Illegal document seq Nr.  "
            f"Last Document = {last}.  New Document = {new}. "
        )


BUYSELL = Kind(
    "buySellBookingServiceData",
    (
        "amount",
        "bookyearKey",
        "bookyearPeriodeNr",
        "currencyCode",
        "documentDate",
        "documentSequenceNr",
        "exchangeRate",
        "expiryDate",
        "journalKey",
        "relationIdentificationServiceData",
    ),
    ("documentDate", "expiryDate"),
    "AV",
    False,
    schema.BUYSELL,
    schema.BUYSELL_REQUEST,
)
FINANCIAL = Kind(
    "financialDiversBookingServiceData",
    ("bookyearKey", "bookyearPeriodeNr", "documentDate", "documentSequenceNr", "exchangeRate", "journalKey"),
    ("documentDate",),
    "FD",
    True,
    schema.FINANCIAL,
    schema.FINANCIAL_REQUEST,
)


def insert(kind, dossier, payload, now, lock_code, strict=False):
    """POST: -> the stored Booking. `payload` is the wrapped request body."""
    if not isinstance(payload, dict):
        raise bad_params()
    schema.check(strict, kind.request_schema, payload)
    data = _shaped(kind, payload.get(kind.wrapper))
    attachments = decode_attachments(payload.get("attachments"))
    bookyear, journal = _writable_journal(kind, dossier, data, lock_code)
    nr = data["documentSequenceNr"]
    # The number is checked before the period: recorded traffic with both wrong got -13 (ref §6.4).
    if nr != journal.last_nr + 1:
        raise refused(
            -13,
            "The document number is invalid: it must follow on the last document number of the journal.",
            kind.illegal_nr(dossier.id, journal.last_nr, nr),
        )
    _check_period(dossier, bookyear, journal, data["bookyearPeriodeNr"])
    sent = copy.deepcopy(data)
    data = _stored(kind, dossier, data)
    journal.last_nr = nr
    booking = Booking(bookyear.id, journal.key, nr, data, attachments, now, "api", sent)
    dossier.bookings[(bookyear.id, journal.key, nr)] = booking
    return booking


def update(kind, dossier, data, now, lock_code, strict=False):
    """PUT with the bare booking: replaces the stored content, keeps the attachments."""
    schema.check(strict, kind.schema, data)
    data = _shaped(kind, data)
    bookyear, journal = _writable_journal(kind, dossier, data, lock_code)
    booking = find(dossier, bookyear.id, journal.key, data["documentSequenceNr"], kind.financial)
    _check_period(dossier, bookyear, journal, data["bookyearPeriodeNr"])
    booking.sent = copy.deepcopy(data)
    booking.data, booking.modified = _stored(kind, dossier, data), now


def find(dossier, bookyear_id, journal_key, nr, financial):
    booking = dossier.bookings.get((bookyear_id, journal_key, nr))
    if booking is None or booking.financial != financial:
        raise not_found(-34, "Booking not found")
    return booking


def modified_since(dossier, bookyear_id, journal_key, since, financial):
    """Bookings changed at or after `since` (epoch); bookyear_id -1 = every bookyear."""
    found = sorted(
        (
            b
            for b in dossier.bookings.values()
            if b.financial == financial
            and b.modified >= since
            and bookyear_id in (-1, b.bookyear_id)
            and journal_key in (None, b.journal_key)
        ),
        key=lambda b: (b.modified, b.bookyear_id, b.journal_key, b.nr),
    )
    if not found:
        raise not_found(-33, "No bookings found")
    return [copy.deepcopy(b.data) for b in found]


JOURNAL_TYPES = {"A": 1, "V": 2, "F": 3, "D": 4}  # journalTypeId / DocumentKey.journalType (ref §4.11)


def report_since(dossier, bookyear_id, journal_type, since, until):
    """GET /bookyears/{id}/bookings/modified: SyncBookings {modifiedBookings, deletedBookings}
    between `since` and `until` (epoch, None = now). bookyear -1 / journal type -1 mean all.

    Field names are the OpenAPI spec's (BookingReportData, DocumentKey). modifiedBookings has one
    row per booking line (lineSequenceNr from 1), as the report's line fields suggest; deleted
    bookings are named by bookyear, journal type, journal number and document number."""

    def wanted(bookyear, journal_key, when):
        return (
            bookyear_id in (-1, bookyear)
            and journal_type in (-1, JOURNAL_TYPES[journal_key[0]])
            and since <= when
            and (until is None or when <= until)
        )

    modified = sorted(
        (b for b in dossier.bookings.values() if wanted(b.bookyear_id, b.journal_key, b.modified)),
        key=lambda b: (b.modified, b.bookyear_id, b.journal_key, b.nr),
    )
    deleted = [
        {
            "bookyearKey": {"id": bookyear},
            "journalType": JOURNAL_TYPES[journal_key[0]],
            "journalSequenceNr": int(journal_key[1:]),
            "documentSequenceNr": nr,
        }
        for bookyear, journal_key, nr, when in dossier.deleted_bookings
        if wanted(bookyear, journal_key, when)
    ]
    if not modified and not deleted:
        raise not_found(-33, "No modified bookings found")
    return {"modifiedBookings": [row for b in modified for row in _report_rows(dossier, b)], "deletedBookings": deleted}


def _report_rows(dossier, booking):
    data = booking.data
    relation = (
        None if booking.financial else relations.find(dossier.relations, data["relationIdentificationServiceData"])
    )
    common = {
        "bookyearKey": {"id": booking.bookyear_id},
        "journalType": JOURNAL_TYPES[booking.journal_key[0]],
        "journalNr": int(booking.journal_key[1:]),
        "documentSequenceNr": booking.nr,
        "bookyearPeriodeNr": data["bookyearPeriodeNr"],
        "documentDate": data["documentDate"],
        "expiryDate": data.get("expiryDate", data["documentDate"]),
        "currencyCode": data.get("currencyCode", "EUR"),
        "exchangeRate": data["exchangeRate"],
        "comment": data.get("comment", ""),
        "reference": data.get("reference", ""),
    }
    rows = []
    for index, line in enumerate(data["bookingLines"], start=1):
        amount = line["amount"] if booking.financial else line.get("baseAmount", 0.0)
        relation_id = (
            line.get("relationId", 0) if booking.financial else (relations.relation_id(relation) if relation else 0)
        )
        rows.append(
            dict(
                common,
                lineSequenceNr=index,
                accountKey=line.get("accountKey", 0),
                relationKey={"id": relation_id},
                bookingAmount=amount,
                documentAmount=amount,
            )
        )
    return rows


def delete(dossier, key, now):
    """A booking deleted in Octopus: gone from every list and listed as deleted (the state also
    undoes its balancings, balancings.delete_for_booking)."""
    if key not in dossier.bookings:
        raise not_found(-34, "Booking not found")
    del dossier.bookings[key]
    dossier.deleted_bookings.append((*key, now))


def change(dossier, key, changes, now):
    """A booking changed in Octopus. Without `changes`, 10.00 more on the first line's base and on
    the total (or on the first financial line), so the booking still adds up."""
    booking = dossier.bookings.get(key)
    if booking is None:
        raise not_found(-34, "Booking not found")
    data = copy.deepcopy(booking.data)
    if changes:
        data.update(copy.deepcopy(changes))
    elif booking.financial:
        data["bookingLines"][0]["amount"] = round(data["bookingLines"][0]["amount"] + 10.0, 2)
    else:
        data["bookingLines"][0]["baseAmount"] = round(data["bookingLines"][0]["baseAmount"] + 10.0, 2)
        data["amount"] = round(data["amount"] + (10.0 if data["amount"] >= 0 else -10.0), 2)
    kind = FINANCIAL if booking.financial else BUYSELL
    booking.data, booking.modified = _stored(kind, dossier, _shaped(kind, data)), now
    booking.sent, booking.entered_by = None, "octopus"
    return booking


def decode_attachments(attachments):
    """AttachementData list -> [{"fileName", "data": bytes}]; bad base64 fails like a bad date."""
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        raise ApiError(500, INVALID_ELEMENTS)
    return [decode_attachment(a) for a in attachments]


def decode_attachment(attachment):
    if (
        not isinstance(attachment, dict)
        or not isinstance(attachment.get("fileName"), str)
        or not isinstance(attachment.get("fileData"), str)
    ):
        raise ApiError(500, INVALID_ELEMENTS)
    try:
        data = base64.b64decode(attachment["fileData"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(500, INVALID_ELEMENTS) from None
    return {"fileName": attachment["fileName"], "data": data}


def typed_in_octopus(dossier, bookyear, journal, today, now, lines=None, content=None, entered_by="octopus"):
    """A booking an accountant typed in Octopus itself: takes the next number, ignores locks.
    `lines` (financial journals only) replace the made-up content, e.g. a bank line; `content`
    (buy/sell journals) replaces the made-up relation, amount and lines, e.g. a bill Octopus
    received by Peppol (`entered_by` "peppol")."""
    period = next((p for p in bookyear.periods if p["startDate"] <= today <= p["endDate"]), bookyear.periods[-1])
    date = today if period["startDate"] <= today <= period["endDate"] else period["endDate"]
    nr = journal.last_nr + 1
    data = {
        "bookyearKey": {"id": bookyear.id},
        "bookyearPeriodeNr": period["bookyearPeriod"],
        "documentDate": date,
        "documentSequenceNr": nr,
        "exchangeRate": 1.0,
        "journalKey": journal.key,
    }
    accounts = sorted(dossier.accounts)
    if journal.kind in "AV":
        data.update(_typed_buysell_content(dossier, journal.kind, accounts))
        data.update(comment="Typed in Octopus", expiryDate=date)
        data.update(copy.deepcopy(content or {}))
    elif lines is not None:
        data["bookingLines"] = copy.deepcopy(lines)
    else:
        data["bookingLines"] = [{"accountKey": accounts[0], "amount": 100.0, "type": "A"}]
        if journal.kind == "D":
            data["bookingLines"].append({"accountKey": accounts[-1], "amount": -100.0, "type": "A"})
    data = _stored(FINANCIAL if journal.kind in "FD" else BUYSELL, dossier, data)
    journal.last_nr = nr
    booking = Booking(bookyear.id, journal.key, nr, data, [], now, entered_by)
    dossier.bookings[(bookyear.id, journal.key, nr)] = booking
    return booking


def peppol_content(dossier, relation, reference, amount):
    """What Octopus' Peppol inbox books for a received bill: the supplier's relation, its invoice
    number as `reference`, its total, one line on a purchase account under a purchase VAT code
    (base and VAT adding up to the total)."""
    accounts = sorted(dossier.accounts)
    account = next((a for a in accounts if str(a).startswith("6")), accounts[0])
    code = next((c for c in dossier.vatcodes.values() if c.get("type") == 1), next(iter(dossier.vatcodes.values())))
    sign = -1 if amount < 0 else 1
    total = abs(round(float(amount), 2))
    base = round(total / (1 + code["basePercentage"] / 100), 2)
    return {
        "amount": sign * total,
        "currencyCode": "EUR",
        "reference": reference,
        "comment": "Received by Peppol",
        "relationIdentificationServiceData": copy.deepcopy(relation["relationIdentificationServiceData"]),
        "bookingLines": [
            {
                "accountKey": account,
                "baseAmount": base,
                "comment": "Received by Peppol",
                "vatAmount": round(total - base, 2),
                "vatCodeKey": code["code"],
            }
        ],
    }


def _typed_buysell_content(dossier, kind, accounts):
    role, prefix, vat_type = ("client", "7", 2) if kind == "V" else ("supplier", "6", 1)
    relation = next((r for r in dossier.relations if r.get(role)), dossier.relations[0])
    account = next((a for a in accounts if str(a).startswith(prefix)), accounts[0])
    code = next(
        (c for c in dossier.vatcodes.values() if c.get("type") == vat_type), next(iter(dossier.vatcodes.values()))
    )
    vat = round(code["basePercentage"], 2)
    return {
        "amount": 100.0 + vat,
        "currencyCode": "EUR",
        "relationIdentificationServiceData": copy.deepcopy(relation["relationIdentificationServiceData"]),
        "bookingLines": [
            {
                "accountKey": account,
                "baseAmount": 100.0,
                "comment": "Typed in Octopus",
                "vatAmount": vat,
                "vatCodeKey": code["code"],
            }
        ],
    }


def _shaped(kind, data):
    """Deserialisation: missing required fields -> 400, wrongly typed values -> 500 (ref §4.6)."""
    if not isinstance(data, dict) or any(data.get(name) is None for name in kind.required):
        raise bad_params()
    data = copy.deepcopy(data)
    lines = data.setdefault("bookingLines", [])
    well_formed = (
        isinstance(data["bookyearKey"], dict)
        and _is_int(data["bookyearKey"].get("id"))
        and isinstance(data["journalKey"], str)
        and _is_int(data["documentSequenceNr"])
        and _is_int(data["bookyearPeriodeNr"])
        and all(_is_date(data.get(name)) for name in kind.dates)
        and isinstance(data.get("relationIdentificationServiceData") or {}, dict)
        and isinstance(lines, list)
        and all(isinstance(line, dict) for line in lines)
        and all(
            _is_number(item[name]) for item in [data, *lines] for name in FLOAT_FIELDS if item.get(name) is not None
        )
    )
    if not well_formed:
        raise ApiError(500, INVALID_ELEMENTS)
    if kind.financial and any(line.get("amount") is None or line.get("type") is None for line in lines):
        raise bad_params()
    for item in [data, *lines]:
        for name in FLOAT_FIELDS:
            if item.get(name) is not None:
                item[name] = float(item[name])
    return data


def _writable_journal(kind, dossier, data, lock_code):
    """Journal and period checks, in the order of ref §6.4."""
    bookyear = dossier.bookyears.get(data["bookyearKey"]["id"])
    if bookyear is None:
        raise refused(-9, "Unknown bookyear")
    journal = bookyear.journals.get(data["journalKey"])
    if journal is None:
        raise refused(-10, f"Unknown journal {data['journalKey']}")
    if journal.kind not in kind.journal_types:
        raise refused(-38, f"Journal {journal.key} cannot hold this kind of booking")
    if journal.kind == "V" and journal.insertion_type != 1:
        raise refused(-29, f"Journal {journal.key} is set up for invoices, not bookings")
    if journal.closed:
        raise ApiError(403, f"Journal {journal.key} is closed", -11, LOCK_MESSAGE)
    if journal.locked:
        raise ApiError(403, f"Journal {journal.key} is open by another user", lock_code, LOCK_MESSAGE)
    if bookyear.closed:
        raise ApiError(403, f"Bookyear {bookyear.description} is closed", -11, LOCK_MESSAGE)
    return bookyear, journal


def _check_period(dossier, bookyear, journal, period):
    if period not in bookyear.period_numbers():
        raise refused(
            -14,
            "Bookyear period unknown",
            f"Unable to insert booking in dossier {dossier.id}.  Bookyear period unknown",
        )
    if period <= max(journal.closed_period, journal.protected_period):
        raise refused(
            -15,
            "Bookyear period protected",
            f"Unable to insert booking in dossier {dossier.id}.  Bookyear period {period} "
            f"is protected or closed in journal {journal.key}",
        )


def _stored(kind, dossier, data):
    """Check the content and return it as Octopus stores it, and so lists it again (ref §4.6,
    §4.7 recorded read-backs): `paymentMethod` always present, the relation named by both its key
    and its external id, financial lines with accountKey / externalRelationId / relationId, each 0
    when unused."""
    if kind.financial:
        data["bookingLines"] = [_stored_financial_line(dossier, line) for line in data["bookingLines"]]
        return data
    relation = relations.find(dossier.relations, data["relationIdentificationServiceData"])
    if relation is None:
        raise refused(-16, "Unknown relation")
    _check_buysell_lines(dossier, data)
    _check_currency(dossier, data)
    data["relationIdentificationServiceData"] = relations.identification(relation)
    data.setdefault("paymentMethod", 0)
    return data


def _check_currency(dossier, data):
    """-19 for a currency the dossier does not know, -20 for a rate that cannot be (ref §5.7, §6.3):
    not positive, or other than 1 for EUR."""
    currency = data["currencyCode"]
    if currency not in dossier.currencies:
        raise refused(-19, f"Unknown currency {currency}")
    rate = data["exchangeRate"]
    if rate <= 0 or (currency == "EUR" and rate != 1.0):
        raise refused(-20, f"Illegal exchange rate {rate} for {currency}")


def _check_buysell_lines(dossier, data):
    lines = data["bookingLines"]
    for line in lines:
        if line.get("accountKey") not in dossier.accounts:
            raise refused(-21, f"Unknown account {line.get('accountKey')}")
    for line in lines:
        if line.get("vatCodeKey") not in dossier.vatcodes:
            raise refused(-22, f"Unknown VAT code {line.get('vatCodeKey')}")
    for line in lines:
        cost_centres.check_line(dossier, line)
    amounts = [(line.get("baseAmount") or 0.0, line.get("vatAmount") or 0.0) for line in lines]
    if any(base * vat < 0 for base, vat in amounts):
        raise refused(-23, "Base amount and VAT amount of a booking line have a different sign")
    total = sum(base + vat for base, vat in amounts)
    # A credit note has a negative total and positive lines (ref §5.2).
    expected = -total if data["amount"] < 0 else total
    if (data["amount"] < 0 and total <= 0) or abs(data["amount"] - expected) > AMOUNT_TOLERANCE:
        raise refused(-23, f"Amount {data['amount']:.2f} does not match the booking lines (base + VAT = {total:.2f})")


def _stored_financial_line(dossier, line):
    kind = line.get("type")
    stored = dict(line, accountKey=0, externalRelationId=0, relationId=0)
    if kind == "A":
        if line.get("accountKey") not in dossier.accounts:
            raise refused(-21, f"Unknown account {line.get('accountKey')}")
        stored["accountKey"] = line["accountKey"]
    elif kind in ("C", "S"):
        ident = {"externalRelationId": line.get("externalRelationId") or 0}
        if line.get("relationId"):
            ident["relationKey"] = {"id": line["relationId"]}
        relation = relations.find(dossier.relations, ident)
        if relation is None:
            raise refused(-16, "Unknown relation")
        stored["relationId"] = relations.relation_id(relation)
        stored["externalRelationId"] = relations.external_id(relation)
    else:
        raise refused(-25, f"Unknown financial line type {kind!r}")
    return stored


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_date(value):
    if not isinstance(value, str) or not DATE_RE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True
