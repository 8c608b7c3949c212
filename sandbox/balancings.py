"""Balancing rules (ref §4.10): which documents may be balanced, for how much, and the modified list.

A sales invoice is a debit document, a purchase invoice a credit document, credit notes the other
way round; a financial line is a credit when money comes in (amount > 0) and a debit when it goes
out (ref §5.6). Both documents must be of the same relation (or account), and the balanced amount
may not exceed what stays open on either side.
"""

import copy
from dataclasses import dataclass

from . import relations
from .errors import INVALID_ELEMENTS, ApiError, bad_params, not_found, refused
from .model import Balancing

TOLERANCE = 0.005


@dataclass(frozen=True)
class Document:
    """One side of a balancing as stored in the dossier."""

    key: tuple  # (bookyear id, journal key, nr, line nr)
    booking: object
    amount: float  # signed: > 0 debit, < 0 credit
    type: dict  # {"type", "relationKey", "externalRelationId", "accountNr"}

    @property
    def debit(self):
        return self.amount > 0


def parse_key(value):
    """BalancingKeyServiceData -> key tuple; missing parts 400, wrongly typed ones 500."""
    if not isinstance(value, dict):
        raise bad_params()
    parts = (
        value.get("bookyearKey"),
        value.get("journalKey"),
        value.get("documentSequenceNr"),
        value.get("lineSequenceNr"),
    )
    if any(part is None for part in parts):
        raise bad_params()
    bookyear, journal, nr, line = parts
    if not (
        isinstance(bookyear, dict)
        and _is_int(bookyear.get("id"))
        and isinstance(journal, str)
        and _is_int(nr)
        and _is_int(line)
    ):
        raise ApiError(500, INVALID_ELEMENTS)
    return bookyear["id"], journal, nr, line


def key_json(key):
    bookyear_id, journal_key, nr, line = key
    return {
        "bookyearKey": {"id": bookyear_id},
        "journalKey": journal_key,
        "documentSequenceNr": nr,
        "lineSequenceNr": line,
    }


def display(dossier, key):
    """ "2026/V1/144" (line -1) or "2026/F1/78 line 1", for technicalInfo and the control page."""
    bookyear = dossier.bookyears.get(key[0])
    text = f"{bookyear.description if bookyear else key[0]}/{key[1]}/{key[2]}"
    return text if key[3] == -1 else f"{text} line {key[3]}"


def document(dossier, key):
    """The stored document a key names; -26 when there is none."""
    booking = dossier.bookings.get(key[:3])
    line_nr = key[3]
    if booking is not None and line_nr == -1 and not booking.financial:
        data = booking.data
        relation = relations.find(dossier.relations, data["relationIdentificationServiceData"])
        sale = booking.journal_key[0] == "V"
        amount = data["amount"] if sale else -data["amount"]
        return Document(key, booking, amount, _relation_type("C" if sale else "S", relation))
    if booking is not None and booking.financial and 1 <= line_nr <= len(booking.data["bookingLines"]):
        line = booking.data["bookingLines"][line_nr - 1]
        if line["type"] == "A":
            kind = {"type": "A", "relationKey": {"id": 0}, "externalRelationId": 0, "accountNr": line["accountKey"]}
        else:
            relation = relations.find(dossier.relations, {"relationKey": {"id": line["relationId"]}})
            kind = _relation_type(line["type"], relation)
        return Document(key, booking, -line["amount"], kind)
    raise refused(
        -26,
        "Unknown document",
        f"Unable to insert balancing in dossier {dossier.id}.  Document {display(dossier, key)} not found",
    )


def open_amount(dossier, doc):
    balanced = sum(b.amount for b in dossier.balancings.values() if doc.key in (b.debet, b.credit))
    return round(abs(doc.amount) - balanced, 2)


def insert(dossier, payload, now):
    """POST /balancings: -> the Balancing (a new one, or the pair's existing one with more on it)."""
    if not isinstance(payload, dict) or payload.get("balanceAmount") is None:
        raise bad_params()
    debet_key, credit_key = parse_key(payload.get("debetKey")), parse_key(payload.get("creditKey"))
    amount = payload["balanceAmount"]
    if not isinstance(amount, (int, float)) or isinstance(amount, bool):
        raise ApiError(500, INVALID_ELEMENTS)
    debet, credit = document(dossier, debet_key), document(dossier, credit_key)

    def refuse(reason):
        return refused(-26, "Balancing refused", f"Unable to insert balancing in dossier {dossier.id}.  {reason}")

    if not debet.debit:
        raise refuse(f"{display(dossier, debet_key)} is not a debit document")
    if credit.debit:
        raise refuse(f"{display(dossier, credit_key)} is not a credit document")
    if debet.type != credit.type:
        raise refuse("The documents belong to different relations or accounts")
    if amount <= 0:
        raise refuse(f"Balance amount {amount:.2f} must be positive")
    for doc in (debet, credit):
        left = open_amount(dossier, doc)
        if amount > left + TOLERANCE:
            raise refuse(
                f"Balance amount {amount:.2f} exceeds the open amount {left:.2f} of {display(dossier, doc.key)}"
            )
    balancing = dossier.balancings.get((debet_key, credit_key))
    if balancing is None:
        balancing = Balancing(debet_key, credit_key, 0.0, now)
        dossier.balancings[(debet_key, credit_key)] = balancing
    balancing.amount = round(balancing.amount + float(amount), 2)
    balancing.modified = now
    return balancing


def delete(dossier, payload, now):
    """DELETE /balancings/delete {debetKey, creditKey}; 404 when the pair has no balancing."""
    if not isinstance(payload, dict):
        raise bad_params()
    pair = (parse_key(payload.get("debetKey")), parse_key(payload.get("creditKey")))
    if pair not in dossier.balancings:
        raise not_found(-26, "Balancing not found")
    del dossier.balancings[pair]
    dossier.deleted_balancings.append((*pair, now))


def delete_for_booking(dossier, booking_key, now):
    """A booking deleted in Octopus takes its balancings with it."""
    for pair in [pair for pair in dossier.balancings if booking_key in (pair[0][:3], pair[1][:3])]:
        del dossier.balancings[pair]
        dossier.deleted_balancings.append((*pair, now))


def modified_since(dossier, since):
    """GET /balancings/modified: {modifiedBalancings, deletedBalancings} at or after `since`."""
    modified = sorted((b for b in dossier.balancings.values() if b.modified >= since), key=lambda b: b.modified)
    deleted = [
        {"debetKey": key_json(debet), "creditKey": key_json(credit)}
        for debet, credit, when in dossier.deleted_balancings
        if when >= since
    ]
    if not modified and not deleted:
        raise not_found(-65, "No modified balancings found")
    return {"modifiedBalancings": [answer(dossier, b) for b in modified], "deletedBalancings": deleted}


def answer(dossier, balancing):
    """One modifiedBalancings entry, shaped as recorded (ref §4.10): the balanced amount on
    creditBalancedBookingAmount, 0.0 on the debet side."""
    debet, credit = document(dossier, balancing.debet), document(dossier, balancing.credit)
    return {
        "debetDocument": _document_json(debet),
        "creditDocument": _document_json(credit),
        "debetBalancedBookingAmount": 0.0,
        "creditBalancedBookingAmount": balancing.amount,
        "type": copy.deepcopy(debet.type),
    }


def _document_json(doc):
    data = doc.booking.data
    if doc.key[3] == -1:
        comment, reference = data.get("comment") or "", data.get("reference") or ""
        currency = data.get("currencyCode") or "EUR"
    else:
        comment, reference = data["bookingLines"][doc.key[3] - 1].get("reference") or "", ""
        currency = "EUR"
    debit, credit = (abs(doc.amount), 0.0) if doc.debit else (0.0, abs(doc.amount))
    return {
        "balancingKey": key_json(doc.key),
        "comment": comment,
        "reference": reference,
        "documentDate": data["documentDate"],
        "currencyCode": currency,
        "exchangeRate": data.get("exchangeRate", 1.0),
        "debetDocumentAmount": debit,
        "creditDocumentAmount": credit,
        "debetBookingAmount": debit,
        "creditBookingAmount": credit,
    }


def _relation_type(kind, relation):
    return {
        "type": kind,
        "relationKey": {"id": relations.relation_id(relation) if relation else 0},
        "externalRelationId": relations.external_id(relation) if relation else 0,
        "accountNr": 0,
    }


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
