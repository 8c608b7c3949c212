"""Booking payloads: grouping, exact cents, credit-note signs, payments, relations, read-back."""

from dataclasses import replace
from datetime import date

import pytest

from octopus import booking
from octopus.booking import BaseLine, BookingInput


def _input(lines, vat, total, refund=False):
    return BookingInput(
        bookyear_id=2,
        period=202603,
        journal_key="V1",
        document_nr=144,
        relation={"relationKey": {"id": 1}},
        document_date=date(2026, 3, 5),
        expiry_date=date(2026, 4, 4),
        total_cents=total,
        refund=refund,
        reference="INV/2026/00001",
        comment="INV/2026/00001",
        lines=tuple(lines),
        vat_cents=vat,
    )


def _sum(payload):
    return round(sum(line["baseAmount"] + line["vatAmount"] for line in payload["bookingLines"]), 2)


def test_invoice_lines_grouped_per_account_and_vat_code():
    lines = [
        BaseLine(700000, "21", 10000, "Consulting"),
        BaseLine(700000, "21", 5000, "Travel"),
        BaseLine(700000, "06", 2000, "Books"),
        BaseLine(702000, "21", 1000, "Service"),
    ]
    payload = booking.build_buysell_booking(_input(lines, {"21": 3360, "06": 120}, 21480))
    assert payload["bookingLines"] == [
        {"accountKey": 700000, "vatCodeKey": "21", "baseAmount": 150.0, "vatAmount": 31.5, "comment": "Consulting"},
        {"accountKey": 700000, "vatCodeKey": "06", "baseAmount": 20.0, "vatAmount": 1.2, "comment": "Books"},
        {"accountKey": 702000, "vatCodeKey": "21", "baseAmount": 10.0, "vatAmount": 2.1, "comment": "Service"},
    ]
    assert payload["amount"] == 214.8 == _sum(payload)
    assert payload["documentSequenceNr"] == 144
    assert payload["bookyearPeriodeNr"] == 202603
    assert payload["documentDate"] == "2026-03-05"
    assert payload["reference"] == payload["comment"] == "INV/2026/00001"
    assert payload["exchangeRate"] == 1.0 and payload["currencyCode"] == "EUR"


def test_vat_is_odoos_amount_spread_to_the_cent():
    # Three groups at 21 %: Odoo's tax line says 7.00, per-group rounding would give 6.99 or 7.02.
    lines = [BaseLine(700000, "21", 1111), BaseLine(701000, "21", 1111), BaseLine(702000, "21", 1111)]
    payload = booking.build_buysell_booking(_input(lines, {"21": 700}, 3333 + 700))
    vats = [round(line["vatAmount"] * 100) for line in payload["bookingLines"]]
    assert sum(vats) == 700
    assert sorted(vats) == [233, 233, 234]
    assert _sum(payload) == payload["amount"] == 40.33


def test_rounding_residue_lands_on_the_largest_line():
    # A cash-rounding line of -0.02 is not a base line: the total still has to balance.
    lines = [BaseLine(700000, "21", 1000), BaseLine(702000, "21", 5000)]
    payload = booking.build_buysell_booking(_input(lines, {"21": 1260}, 7258))
    assert payload["bookingLines"][1]["baseAmount"] == 49.98
    assert _sum(payload) == payload["amount"] == 72.58


def test_credit_note_has_negative_total_and_positive_lines():
    payload = booking.build_buysell_booking(_input([BaseLine(700000, "21", 10000)], {"21": 2100}, 12100, refund=True))
    assert payload["amount"] == -121.0
    assert payload["bookingLines"][0]["baseAmount"] == 100.0
    assert payload["bookingLines"][0]["vatAmount"] == 21.0


def test_discount_line_keeps_base_and_vat_of_the_same_sign():
    lines = [BaseLine(700000, "21", 10000), BaseLine(708000, "21", -1000)]
    payload = booking.build_buysell_booking(_input(lines, {"21": 1890}, 10890))
    discount = payload["bookingLines"][1]
    assert discount["baseAmount"] == -10.0 and discount["vatAmount"] == -2.1
    assert payload["bookingLines"][0]["vatAmount"] == 21.0
    assert _sum(payload) == 108.9


def test_reverse_charge_code_with_zero_vat():
    payload = booking.build_buysell_booking(_input([BaseLine(704000, "IC", 50000)], {"IC": 0}, 50000))
    assert payload["bookingLines"] == [
        {"accountKey": 704000, "vatCodeKey": "IC", "baseAmount": 500.0, "vatAmount": 0.0}
    ]


@pytest.mark.parametrize(
    "amount,weights,expected",
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (5, [0, 0], [5, 0]),
        (7, [3, -1], [10, -3]),
        (0, [5, 5], [0, 0]),
    ],
)
def test_spread_adds_up_exactly(amount, weights, expected):
    shares = booking._spread(amount, weights)
    assert sum(shares) == amount
    assert shares == expected


def test_payment_signs():
    common = {
        "bookyear_id": 2,
        "period": 202603,
        "journal_key": "F1",
        "document_nr": 78,
        "document_date": "2026-03-05",
        "relation_id": 1,
        "total_cents": 12100,
        "reference": "2026/V1/144",
    }
    customer = booking.build_payment_booking(customer=True, refund=False, **common)
    assert customer["bookingLines"] == [{"type": "C", "relationId": 1, "amount": 121.0, "reference": "2026/V1/144"}]
    assert customer["journalKey"] == "F1" and customer["documentSequenceNr"] == 78
    assert booking.build_payment_booking(customer=False, refund=False, **common)["bookingLines"][0] == {
        "type": "S",
        "relationId": 1,
        "amount": -121.0,
        "reference": "2026/V1/144",
    }
    assert booking.build_payment_booking(customer=True, refund=True, **common)["bookingLines"][0]["amount"] == -121.0
    assert booking.build_payment_booking(customer=False, refund=True, **common)["bookingLines"][0]["amount"] == 121.0


def test_relation_payload_sends_only_what_is_known():
    partner = {
        "name": "Studio Lumière SRL",
        "street": "Rue Neuve 10",
        "zip": "1000",
        "city": "Bruxelles",
        "country": "BE",
        "email": "",
        "vat": "BE0871.717.224",
        "vat_type": 1,
    }
    created = booking.build_relation(partner, external_id=42, client=True)
    assert created == {
        "currencyCode": "EUR",
        "relationIdentificationServiceData": {"externalRelationId": 42},
        "name": "Studio Lumière SRL",
        "streetAndNr": "Rue Neuve 10",
        "postalCode": "1000",
        "city": "Bruxelles",
        "country": "BE",
        "vatNr": "BE0871.717.224",
        "vatType": 1,
        "client": True,
    }
    merged = booking.build_relation({"name": "X"}, relation_id=7, supplier=True)
    assert merged == {
        "currencyCode": "EUR",
        "relationIdentificationServiceData": {"relationKey": {"id": 7}},
        "name": "X",
        "supplier": True,
    }


def test_find_own_booking_by_reference_amount_and_number():
    listing = [
        {"documentSequenceNr": 144, "reference": "Typed in Octopus", "amount": 121.0},
        {"documentSequenceNr": 145, "reference": "INV/2026/00001", "amount": 121.0},
    ]
    found = booking.find_own_booking(listing, reference="INV/2026/00001", amount=121.0)
    assert found["documentSequenceNr"] == 145
    assert booking.find_own_booking(listing, reference="INV/2026/00001", amount=121.0, document_nr=144) is None
    assert booking.find_own_booking(listing, reference="INV/2026/00001", amount=-121.0) is None
    assert booking.find_own_booking([], reference="INV/2026/00001", amount=121.0) is None


def test_find_own_payment():
    listing = [
        {
            "documentSequenceNr": 78,
            "bookingLines": [{"type": "C", "relationId": 1, "amount": 121.0, "reference": "2026/V1/144"}],
        }
    ]
    assert booking.find_own_payment(listing, reference="2026/V1/144", amount=121.0, document_nr=78)
    assert booking.find_own_payment(listing, reference="2026/V1/145", amount=121.0) is None


def test_display_number_and_cents():
    assert booking.display_number("2026", "V1", 17) == "2026/V1/17"
    assert booking.to_cents(0.29) == 29
    assert booking.to_cents(-1234.56) == -123456
    assert booking.same_amount(121.0, 121.004) and not booking.same_amount(121.0, 121.01)


def test_fingerprint_same_for_sent_and_stored_shapes():
    """What was sent and what Octopus lists back (relation with its external id, other line order)
    give the same fingerprint; a changed line shows as total and lines."""
    sent = {
        "amount": -242.0,
        "documentDate": "2026-03-05",
        "reference": "RINV/2026/00001",
        "relationIdentificationServiceData": {"relationKey": {"id": 7}},
        "bookingLines": [
            {"accountKey": 700000, "vatCodeKey": "21", "baseAmount": 150.0, "vatAmount": 31.5},
            {"accountKey": 700100, "vatCodeKey": "21", "baseAmount": 50.0, "vatAmount": 10.5},
        ],
    }
    stored = {
        **sent,
        "paymentMethod": 0,
        "bookingLines": list(reversed(sent["bookingLines"])),
        "relationIdentificationServiceData": {"externalRelationId": 0, "relationKey": {"id": 7}},
    }
    assert booking.fingerprint(sent) == booking.fingerprint(stored)
    assert booking.fingerprint(sent)["vat"] == 4200
    changed = {
        **stored,
        "amount": -252.0,
        "bookingLines": [{**stored["bookingLines"][0], "baseAmount": 60.0}, stored["bookingLines"][1]],
    }
    assert booking.fingerprint_differences(booking.fingerprint(sent), booking.fingerprint(changed)) == [
        "total",
        "lines",
    ]


def test_levy_in_the_vat_base_is_its_own_line_and_carries_its_vat():
    # 100.00 at 21 % plus Recupel 0.50 charged with VAT: Odoo's VAT is 21 % of 100.50 = 21.11.
    levies, vat = booking.split_tax_amounts(
        [booking.TaxAmount("21", 2111), booking.TaxAmount("21", 50, vat=False, account=743000, label="Recupel")]
    )
    assert vat == {"21": 2111}
    assert levies == [BaseLine(743000, "21", 50, "Recupel")]
    payload = booking.build_buysell_booking(_input([BaseLine(700000, "21", 10000), *levies], vat, 12161))
    assert payload["bookingLines"] == [
        {"accountKey": 700000, "vatCodeKey": "21", "baseAmount": 100.0, "vatAmount": 21.0},
        {"accountKey": 743000, "vatCodeKey": "21", "baseAmount": 0.5, "vatAmount": 0.11, "comment": "Recupel"},
    ]
    assert _sum(payload) == payload["amount"] == 121.61


def test_levy_outside_the_vat_base_books_under_its_own_code_without_vat():
    levies, vat = booking.split_tax_amounts(
        [booking.TaxAmount("21", 2100), booking.TaxAmount("00", 15, vat=False, account=743000, label="Bebat")]
    )
    assert vat == {"21": 2100, "00": 0}
    payload = booking.build_buysell_booking(_input([BaseLine(700000, "21", 10000), *levies], vat, 12115))
    assert payload["bookingLines"][1] == {
        "accountKey": 743000,
        "vatCodeKey": "00",
        "baseAmount": 0.15,
        "vatAmount": 0.0,
        "comment": "Bebat",
    }
    assert _sum(payload) == payload["amount"] == 121.15


def test_vat_of_two_lines_adds_up_per_code():
    _levies, vat = booking.split_tax_amounts(
        [booking.TaxAmount("21", 2100), booking.TaxAmount("21", 11), booking.TaxAmount("06", 60)]
    )
    assert vat == {"21": 2111, "06": 60}


def test_foreign_currency_books_its_code_and_rate():
    data = _input([BaseLine(700000, "21", 10000)], {"21": 2100}, 12100)
    payload = booking.build_buysell_booking(replace(data, currency="USD", exchange_rate=1.0823))
    assert (payload["currencyCode"], payload["exchangeRate"], payload["amount"]) == ("USD", 1.0823, 121.0)
