"""Bookings deleted or changed by an accountant in Octopus (issue 14): the sandbox controls, and the
listings through which the addon finds out (`buysellbookings/modified`, `bookyears/{id}/bookings/modified`)."""

from datetime import datetime, timezone

import pytest
import requests
from test_sandbox import F1_LAST, PASSWORD, USER, UUID, V1_LAST, bank, octo, sale, state  # noqa: F401

from octopus import OctopusClient, errors
from octopus.booking import balancing_key

LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)
SELL, FINANCIAL, ALL = 2, 3, -1


@pytest.fixture
def dossier(sandbox_server):
    client = OctopusClient(sandbox_server.url, USER, PASSWORD, UUID, timeout=5, backoff=0)
    api = client.dossier(1001)
    api.insert_buysell_booking(sale())
    api.insert_buysell_booking(sale(V1_LAST + 2))
    return api


def _deleted_key(nr, journal_type=SELL, journal_nr=1):
    return {
        "bookyearKey": {"id": 2},
        "journalType": journal_type,
        "journalSequenceNr": journal_nr,
        "documentSequenceNr": nr,
    }


def test_a_booking_deleted_in_octopus_is_listed_as_deleted(dossier, state):
    state.delete_booking(1001, 2, "V1", V1_LAST + 1)
    modified, deleted = dossier.modified_bookings(2, SELL, LONG_AGO)
    assert deleted == [_deleted_key(V1_LAST + 1)]
    assert {row["documentSequenceNr"] for row in modified} == {V1_LAST + 2}
    remaining = dossier.modified_buysell_bookings(2, "V1", LONG_AGO)
    assert [b["documentSequenceNr"] for b in remaining] == [V1_LAST + 2]
    with pytest.raises(errors.NotFound):
        dossier.get_buysell_booking(2, "V1", V1_LAST + 1)
    assert dossier.modified_bookings(2, FINANCIAL, LONG_AGO) == ([], [])  # other journal type


def test_the_report_rows_name_the_booking_and_its_lines(dossier):
    modified, _deleted = dossier.modified_bookings(ALL, ALL, LONG_AGO)
    row = next(r for r in modified if r["documentSequenceNr"] == V1_LAST + 1)
    assert row == {
        "bookyearKey": {"id": 2},
        "journalType": 2,
        "journalNr": 1,
        "documentSequenceNr": V1_LAST + 1,
        "lineSequenceNr": 1,
        "bookyearPeriodeNr": 202605,
        "documentDate": "2026-05-14",
        "expiryDate": "2026-06-13",
        "currencyCode": "EUR",
        "exchangeRate": 1.0,
        "comment": "INV/2026/0143",
        "reference": "+++090/9337/55493+++",
        "accountKey": 700000,
        "relationKey": {"id": 1},
        "bookingAmount": 100.0,
        "documentAmount": 100.0,
    }


def test_the_report_respects_its_time_window(dossier, state):
    state.advance(3600)
    middle = datetime.fromtimestamp(state.now() - 60, timezone.utc)
    state.delete_booking(1001, 2, "V1", V1_LAST + 2)
    assert dossier.modified_bookings(2, SELL, LONG_AGO, until=middle)[1] == []
    modified, deleted = dossier.modified_bookings(2, SELL, middle)
    assert modified == [] and deleted == [_deleted_key(V1_LAST + 2)]


def test_a_booking_changed_in_octopus_reads_back_changed_and_recent(dossier, state):
    state.advance(3600)
    since = datetime.fromtimestamp(state.now() - 60, timezone.utc)
    changed = state.change_booking(1001, 2, "V1", V1_LAST + 1)
    assert changed["booking"]["amount"] == 131.0
    listed = dossier.modified_buysell_bookings(2, "V1", since)
    assert [(b["documentSequenceNr"], b["amount"], b["bookingLines"][0]["baseAmount"]) for b in listed] == [
        (V1_LAST + 1, 131.0, 110.0)
    ]
    state.change_booking(1001, 2, "V1", V1_LAST + 2, {"documentDate": "2026-05-20"})
    assert dossier.get_buysell_booking(2, "V1", V1_LAST + 2)["documentDate"] == "2026-05-20"


def test_deleting_a_paid_invoice_undoes_its_balancing(dossier, state):
    state.pay_in_octopus(1001, 2, "V1", V1_LAST + 1)
    state.delete_booking(1001, 2, "V1", V1_LAST + 1)
    modified, deleted = dossier.modified_balancings(LONG_AGO)
    assert modified == [] and deleted == [
        {"debetKey": balancing_key(2, "V1", V1_LAST + 1), "creditKey": balancing_key(2, "F1", F1_LAST + 1, 1)}
    ]


def test_a_changed_financial_booking_and_its_report_rows(dossier, state):
    dossier.insert_financial_booking(bank())
    state.change_booking(1001, 2, "F1", F1_LAST + 1)
    rows, _ = dossier.modified_bookings(2, FINANCIAL, LONG_AGO)
    assert [(r["lineSequenceNr"], r["bookingAmount"]) for r in rows] == [(1, 131.0), (2, -34.0), (3, -2.5)]


def test_controls_over_http(dossier, sandbox_server, state):
    base = f"{sandbox_server.base_url}/_sandbox/dossiers/1001"
    target = {"bookyear": 2, "journal": "V1", "nr": V1_LAST + 1}
    changed = requests.post(f"{base}/change-booking", json=target, timeout=5).json()
    assert changed["ok"] and changed["booking"]["booking"]["amount"] == 131.0
    assert requests.post(f"{base}/delete-booking", json=target, timeout=5).json()["ok"]
    again = requests.post(f"{base}/delete-booking", json=target, timeout=5)
    assert again.status_code == 400 and "no booking 2/V1/144" in again.json()["error"]
    assert [b["documentSequenceNr"] for b in state.bookings(1001)] == [V1_LAST + 2]


def test_report_parameters_and_limit(octo, state):
    missing = octo.call("GET", "/bookyears/2/bookings/modified", params={"journalTypeId": 2})
    assert missing.status_code == 400
    nothing = octo.call(
        "GET",
        "/bookyears/2/bookings/modified",
        params={"journalTypeId": 2, "modifiedTimeStamp": "2000-01-01 00:00:00.000"},
    )
    assert nothing.status_code == 404 and nothing.json()["errorCode"] == -33
    assert state.limits["GET /bookings/modified"] == 48


# -- the control page (issue 20) -----------------------------------------------------------------


def test_the_page_shows_bookings_as_octopus_numbers_them_with_relation_lines_and_pdf(dossier, sandbox_server, state):
    pdf = b"%PDF-1.7\n% the invoice\n"
    dossier.add_booking_attachment(2, "V1", V1_LAST + 1, "INV-2026-0143.pdf", pdf)
    state.pay_in_octopus(1001, 2, "V1", V1_LAST + 2, amount=21.0)
    overview = requests.get(f"{sandbox_server.base_url}/_sandbox/overview", timeout=5).json()
    shown = {b["number"]: b for b in overview["bookings"]}
    invoice = shown["2026/V1/144"]
    assert invoice["relation"] == "Bakkerij Peeters BV (BE0412.345.614)"
    assert invoice["lines"] == ["700000 · 21 · 100.00 + 21.00 VAT · Consulting"]
    assert invoice["open"] == 121.0 and shown["2026/V1/145"]["open"] == 100.0
    assert shown["2026/F1/78"]["lines"] == ["client Bakkerij Peeters BV (BE0412.345.614) · 21.00 · 2026/V1/145"]
    link = sandbox_server.base_url + invoice["attachments"][0]["url"]
    answer = requests.get(link, timeout=5)
    assert answer.content == pdf and answer.headers["Content-Type"] == "application/pdf"
    balancing = overview["dossiers"][0]["balancings"]
    assert [(b["debet"], b["credit"], b["amount"]) for b in balancing] == [("2026/V1/145", "2026/F1/78 line 1", 21.0)]
    assert requests.get(link.replace("/0", "/9"), timeout=5).status_code == 400
    page = requests.get(f"{sandbox_server.base_url}/_sandbox/", timeout=5).text
    for button in ("Paid in Octopus", "Part-paid", "change-booking", "delete-booking", "delete-balancing"):
        assert button in page
