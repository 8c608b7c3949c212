"""Octopus booking and relation payloads built from plain data (no Odoo import).

The ORM side gathers an invoice into `BookingInput`; this module turns it into the JSON of
ref §4.6 / §4.7 / §4.5. Amounts travel in integer cents so that what Octopus receives adds up
exactly: every line's base and VAT are Odoo's own amounts, and Σ(base + VAT) equals the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction

AMOUNT_TOLERANCE = 0.005
"""Two amounts in euros are the same booking amount when they differ by less than half a cent."""


@dataclass(frozen=True)
class BaseLine:
    """One invoice line (or part of one, per cost centre) in the document's direction (positive on
    invoices and on credit notes). `cost_centre` is an Octopus cost centre key, 0 for none."""

    account: int
    vat_code: str
    base_cents: int
    label: str = ""
    cost_centre: int = 0


@dataclass(frozen=True)
class BookingLine:
    """One Octopus booking line: Odoo lines of the same account, VAT code and cost centre added together."""

    account: int
    vat_code: str
    base_cents: int
    vat_cents: int
    label: str = ""
    cost_centre: int = 0

    def as_json(self) -> dict:
        line = {
            "accountKey": self.account,
            "vatCodeKey": self.vat_code,
            "baseAmount": to_amount(self.base_cents),
            "vatAmount": to_amount(self.vat_cents),
        }
        if self.label:
            line["comment"] = self.label
        if self.cost_centre:
            line["costCentreKey"] = {"id": self.cost_centre}
        return line


@dataclass(frozen=True)
class BookingInput:
    """What a buy/sell booking needs, in the document's direction.

    `total_cents` is the document total including VAT (positive, also for credit notes);
    `vat_cents` maps each Octopus VAT code to Odoo's VAT amount for it. `refund` makes the
    booking a credit note: negative total, positive lines (ref §5.2).
    """

    bookyear_id: int
    period: int
    journal_key: str
    document_nr: int
    relation: dict
    document_date: date | str
    expiry_date: date | str
    total_cents: int
    refund: bool
    reference: str
    comment: str
    lines: tuple[BaseLine, ...]
    vat_cents: dict[str, int] = field(default_factory=dict)
    currency: str = "EUR"
    exchange_rate: float = 1.0


def to_cents(amount: float) -> int:
    """Euros (already rounded to the cent, as Odoo stores them) to integer cents."""
    return int(round(amount * 100))


def to_amount(cents: int) -> float:
    return cents / 100


def _iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _spread(amount: int, weights: list[int]) -> list[int]:
    """Split `amount` cents over `weights` proportionally, the shares adding up to `amount` exactly.

    Largest remainder: each share is rounded towards zero, the missing cents go to the shares
    with the largest remainders. With no weight to follow, the first share takes everything.
    """
    total = sum(weights)
    if not weights:
        return []
    if total == 0:
        return [amount] + [0] * (len(weights) - 1)
    exact = [Fraction(amount * weight, total) for weight in weights]
    shares = [int(value) for value in exact]  # int() rounds towards zero
    missing = amount - sum(shares)
    step = 1 if missing > 0 else -1
    order = sorted(range(len(weights)), key=lambda i: abs(exact[i] - shares[i]), reverse=True)
    for index in order[: abs(missing)]:
        shares[index] += step
    return shares


def split_by_percentages(cents: int, parts: list[tuple[int, float]]) -> list[tuple[int, int]]:
    """Split `cents` over analytic `parts` [(cost centre key, percentage)] -> [(key, cents)].

    Each part is its percentage of the amount rounded to the cent (half away from zero); the
    cents rounding leaves over go to the largest part, so the parts add up to `cents` exactly.
    Percentages under 100 leave the rest on key 0 (no cost centre); over 100 (several entries
    of one plan) they count as shares of their total. Parts of the same key are added together.
    """
    parts = [(key, Fraction(str(pct))) for key, pct in parts if pct]
    total = sum((pct for _key, pct in parts), Fraction(0))
    if total < 100:
        parts.append((0, 100 - total))
        total = Fraction(100)
    shares: dict[int, int] = {}
    for key, pct in parts:
        exact = cents * pct / total
        rounded = int(abs(exact) + Fraction(1, 2)) * (1 if exact >= 0 else -1)
        shares[key] = shares.get(key, 0) + rounded
    if shares:
        largest = max(shares, key=lambda key: abs(shares[key]))
        shares[largest] += cents - sum(shares.values())
    return [(key, share) for key, share in shares.items() if share]


def group_lines(
    lines: tuple[BaseLine, ...] | list[BaseLine], vat_cents: dict[str, int], total_cents: int
) -> list[BookingLine]:
    """Lines per (account, VAT code, cost centre) carrying Odoo's exact base and VAT amounts.

    Bases are summed per group. Each VAT code's amount is spread over its groups in proportion
    to their bases, so a group's base and VAT keep the same sign (Octopus refuses otherwise,
    -23). What is left between Σ(base + VAT) and the total (cash rounding, a VAT amount whose
    code has no base line) is added to the base of the largest line, so the booking balances.
    """
    groups: dict[tuple[int, str, int], list] = {}
    for line in lines:
        key = (line.account, line.vat_code, line.cost_centre)
        if key not in groups:
            groups[key] = [0, line.label]
        groups[key][0] += line.base_cents
    keys = list(groups)
    vat_by_key = dict.fromkeys(keys, 0)
    for code, amount in vat_cents.items():
        code_keys = [key for key in keys if key[1] == code]
        for key, share in zip(code_keys, _spread(amount, [groups[key][0] for key in code_keys]), strict=True):
            vat_by_key[key] = share
    result = [BookingLine(key[0], key[1], groups[key][0], vat_by_key[key], groups[key][1], key[2]) for key in keys]
    residue = total_cents - sum(line.base_cents + line.vat_cents for line in result)
    if residue and result:
        index = max(range(len(result)), key=lambda i: abs(result[i].base_cents))
        result[index] = replace(result[index], base_cents=result[index].base_cents + residue)
    return result


@dataclass(frozen=True)
class TaxAmount:
    """One Odoo tax line in the document's direction.

    A VAT tax line (`vat`) carries its own Octopus VAT code. A levy (a fixed-amount tax such as
    Recupel or Bebat) carries the VAT code its amount is booked under: the code of the VAT that
    is charged on top of it, else the levy's own code, and the account Odoo booked it on.
    """

    vat_code: str
    cents: int
    vat: bool = True
    account: int = 0
    label: str = ""


def split_tax_amounts(amounts: list[TaxAmount]) -> tuple[list[BaseLine], dict[str, int]]:
    """(levy lines, VAT per code) from Odoo's tax lines.

    Octopus has no line type for a levy: it is booked as a line of its own, its amount as the
    base, on its account and under the VAT code that taxes it. `group_lines` then spreads that
    code's VAT (Odoo's amount, which includes the VAT on the levy) over the product lines and the
    levy lines by their bases, so each Octopus line carries its part and the total is exact.
    """
    levies, vat = [], {}
    for amount in amounts:
        if amount.vat:
            vat[amount.vat_code] = vat.get(amount.vat_code, 0) + amount.cents
        else:
            levies.append(BaseLine(amount.account, amount.vat_code, amount.cents, amount.label))
            vat.setdefault(amount.vat_code, 0)
    return levies, vat


def booking_amount(total_cents: int, refund: bool) -> float:
    """The booking's `amount`: the total, negative for a credit note."""
    return to_amount(-total_cents if refund else total_cents)


def build_buysell_booking(data: BookingInput) -> dict:
    """BuySellBookingServiceData (ref §4.6), lines grouped per account and VAT code."""
    lines = group_lines(data.lines, data.vat_cents, data.total_cents)
    return {
        "bookyearKey": {"id": data.bookyear_id},
        "journalKey": data.journal_key,
        "documentSequenceNr": data.document_nr,
        "relationIdentificationServiceData": dict(data.relation),
        "bookyearPeriodeNr": data.period,
        "documentDate": _iso(data.document_date),
        "expiryDate": _iso(data.expiry_date),
        "comment": data.comment,
        "reference": data.reference,
        "amount": booking_amount(data.total_cents, data.refund),
        "currencyCode": data.currency,
        "exchangeRate": data.exchange_rate,
        "bookingLines": [line.as_json() for line in lines],
    }


def build_payment_booking(
    *,
    bookyear_id: int,
    period: int,
    journal_key: str,
    document_nr: int,
    document_date: date | str,
    relation_id: int,
    total_cents: int,
    customer: bool,
    refund: bool,
    reference: str,
) -> dict:
    """FinancialDiversBookingServiceData (ref §4.7) settling one invoice for its full amount.

    One counterpart line: type C (client) or S (supplier). Money coming in is positive, money
    going out negative (ref §5.6): a customer invoice is paid in (+), a vendor bill paid out (-),
    and credit notes the other way round.
    """
    incoming = customer != refund
    return {
        "bookyearKey": {"id": bookyear_id},
        "journalKey": journal_key,
        "documentSequenceNr": document_nr,
        "bookyearPeriodeNr": period,
        "documentDate": _iso(document_date),
        "exchangeRate": 1.0,
        "bookingLines": [
            {
                "type": "C" if customer else "S",
                "relationId": relation_id,
                "amount": to_amount(total_cents if incoming else -total_cents),
                "reference": reference,
            }
        ],
    }


def build_relation(
    partner: dict,
    *,
    relation_id: int | None = None,
    external_id: int | None = None,
    client: bool = False,
    supplier: bool = False,
) -> dict:
    """RelationServiceData (ref §4.5) for PUT /relations.

    `partner` holds name, street, zip, city, country (ISO code), email, vat (Octopus format),
    vat_type. Only the roles set to True are sent: PUT merges, so an existing supplier flag is
    kept when the relation is booked as a client. Empty values are left out for the same reason.
    """
    ident = {}
    if relation_id:
        ident["relationKey"] = {"id": relation_id}
    if external_id:
        ident["externalRelationId"] = external_id
    relation = {"currencyCode": "EUR", "relationIdentificationServiceData": ident}
    names = {
        "name": "name",
        "streetAndNr": "street",
        "postalCode": "zip",
        "city": "city",
        "country": "country",
        "email": "email",
        "vatNr": "vat",
        "vatType": "vat_type",
    }
    for octopus_name, key in names.items():
        if partner.get(key):
            relation[octopus_name] = partner[key]
    if client:
        relation["client"] = True
    if supplier:
        relation["supplier"] = True
    return relation


def balancing_key(bookyear_id: int, journal_key: str, document_nr: int, line_nr: int = -1) -> dict:
    """BalancingKeyServiceData (ref §4.10): line -1 names a buy/sell document as a whole, n the
    n-th line of a financial booking."""
    return {
        "bookyearKey": {"id": bookyear_id},
        "journalKey": journal_key,
        "documentSequenceNr": document_nr,
        "lineSequenceNr": line_nr,
    }


def display_number(bookyear: str, journal_key: str, document_nr: int) -> str:
    """How Octopus shows a document: "2026/V1/17" (ref §5.1)."""
    return f"{bookyear}/{journal_key}/{document_nr}"


def same_amount(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < AMOUNT_TOLERANCE


def find_own_booking(
    bookings: list[dict], *, reference: str, amount: float, document_nr: int | None = None
) -> dict | None:
    """The booking among `bookings` (as Octopus returns them) that is the one we sent.

    Ours carries our reference (the Odoo number) and our amount; with `document_nr` it must also
    carry that number. Used after a lost reply, before anything is sent again (ref §5.5).
    """
    for booking in bookings:
        if document_nr is not None and booking.get("documentSequenceNr") != document_nr:
            continue
        if booking.get("reference") == reference and same_amount(booking.get("amount"), amount):
            return booking
    return None


def find_own_payment(
    bookings: list[dict], *, reference: str, amount: float, document_nr: int | None = None
) -> dict | None:
    """Like `find_own_booking` for a payment: its line carries the invoice's Octopus number."""
    for booking in bookings:
        if document_nr is not None and booking.get("documentSequenceNr") != document_nr:
            continue
        for line in booking.get("bookingLines") or []:
            if line.get("reference") == reference and same_amount(line.get("amount"), amount):
                return booking
    return None


def fingerprint(booking: dict) -> dict:
    """What identifies a buy/sell booking's content, from the JSON sent or as Octopus lists it:
    total, base, VAT (cents), relation key, document date and the lines per (account, VAT code)
    with their base and VAT, sorted. The lines of one account and code are added together, so
    their split over cost centres leaves the fingerprint of a booking sent before unchanged. Two
    fingerprints are equal when Octopus holds what Odoo sent (issue 14)."""
    relation = (booking.get("relationIdentificationServiceData") or {}).get("relationKey") or {}
    sums: dict[tuple[str, str], list[int]] = {}
    for line in booking.get("bookingLines") or []:
        amounts = sums.setdefault((str(line.get("accountKey")), str(line.get("vatCodeKey"))), [0, 0])
        amounts[0] += to_cents(line.get("baseAmount") or 0.0)
        amounts[1] += to_cents(line.get("vatAmount") or 0.0)
    lines = sorted([account, code, base, vat] for (account, code), (base, vat) in sums.items())
    return {
        "total": to_cents(booking.get("amount") or 0.0),
        "base": sum(line[2] for line in lines),
        "vat": sum(line[3] for line in lines),
        "relation": relation.get("id"),
        "date": (booking.get("documentDate") or "")[:10],
        "lines": lines,
        "reference": booking.get("reference") or "",
    }


FINGERPRINT_FIELDS = ("total", "vat", "relation", "date", "lines")


def fingerprint_differences(sent: dict, held: dict, fields: tuple[str, ...] = FINGERPRINT_FIELDS) -> list[str]:
    """The fingerprint fields (of `fields`) on which `sent` and `held` differ, in a fixed order."""
    return [name for name in fields if sent.get(name) != held.get(name)]
