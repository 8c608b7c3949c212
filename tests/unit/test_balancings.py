"""Balancings ("afpunting", ref §4.10): the client's calls against the sandbox, and the sandbox
controls that play an accountant matching a bank line with an invoice (issue 13)."""

from datetime import datetime, timezone

import pytest
import requests
from test_sandbox import A1_LAST, F1_LAST, PASSWORD, USER, UUID, V1_LAST, octo, sale, state  # noqa: F401

from octopus import OctopusClient, errors
from octopus.booking import balancing_key

LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)
SALE_KEY = balancing_key(2, "V1", V1_LAST + 1)
BANK_LINE = balancing_key(2, "F1", F1_LAST + 1, 1)


@pytest.fixture
def calls_made():
    return []


@pytest.fixture
def dossier(sandbox_server, calls_made):
    client = OctopusClient(
        sandbox_server.url,
        USER,
        PASSWORD,
        UUID,
        timeout=5,
        backoff=0,
        call_guard=lambda operation, dossier_id: calls_made.append(operation),
    )
    return client.dossier(1001)


def receipt(nr=F1_LAST + 1, amounts=(121.0,), relation_id=1, kind="C"):
    """A bank booking with one line per amount, positive = money in (ref §5.6)."""
    return {
        "bookyearKey": {"id": 2},
        "journalKey": "F1",
        "documentSequenceNr": nr,
        "bookyearPeriodeNr": 202605,
        "documentDate": "2026-05-27",
        "exchangeRate": 1.0,
        "bookingLines": [
            {"type": kind, "relationId": relation_id, "amount": amount, "reference": "2026/V1/144"}
            for amount in amounts
        ],
    }


def purchase(nr=A1_LAST + 1, amount=121.0):
    return sale(
        nr,
        journalKey="A1",
        amount=amount,
        comment="BILL/2026/0007",
        relationIdentificationServiceData={"relationKey": {"id": 2}},
        bookingLines=[{"accountKey": 604000, "baseAmount": 100.0, "vatCodeKey": "D21", "vatAmount": 21.0}],
    )


@pytest.fixture
def invoiced(dossier):
    """Sale V1/144 of 121.00 to relation 1, and bank booking F1/78 receiving it on line 1."""
    dossier.insert_buysell_booking(sale())
    dossier.insert_financial_booking(receipt())
    return dossier


# -- POST /balancings and the modified list ----------------------------------------------------


def test_a_paid_invoice_shows_in_the_modified_list_as_recorded(invoiced, calls_made):
    assert invoiced.insert_balancing(SALE_KEY, BANK_LINE, 121.0) is None
    modified, deleted = invoiced.modified_balancings(LONG_AGO)
    assert deleted == [] and len(modified) == 1
    balancing = modified[0]
    assert balancing["debetDocument"] == {
        "balancingKey": SALE_KEY,
        "comment": "INV/2026/0143",
        "reference": "+++090/9337/55493+++",
        "documentDate": "2026-05-14",
        "currencyCode": "EUR",
        "exchangeRate": 1.0,
        "debetDocumentAmount": 121.0,
        "creditDocumentAmount": 0.0,
        "debetBookingAmount": 121.0,
        "creditBookingAmount": 0.0,
    }
    assert balancing["creditDocument"]["balancingKey"] == BANK_LINE
    assert balancing["creditDocument"]["comment"] == "2026/V1/144"
    assert balancing["creditDocument"]["creditDocumentAmount"] == 121.0
    assert (balancing["debetBalancedBookingAmount"], balancing["creditBalancedBookingAmount"]) == (0.0, 121.0)
    assert balancing["type"] == {"type": "C", "relationKey": {"id": 1}, "externalRelationId": 0, "accountNr": 0}
    assert {"POST /balancings", "GET /balancings/modified"} <= set(calls_made)


def test_partial_payments_add_up_to_the_invoice_and_no_further(dossier):
    dossier.insert_buysell_booking(sale())
    dossier.insert_financial_booking(receipt(amounts=(50.0, 71.0, 10.0)))
    dossier.insert_balancing(SALE_KEY, balancing_key(2, "F1", F1_LAST + 1, 1), 50.0)
    with pytest.raises(errors.BookingRefused) as refused:
        dossier.insert_balancing(SALE_KEY, balancing_key(2, "F1", F1_LAST + 1, 3), 80.0)
    assert "exceeds the open amount 71.00 of 2026/V1/144" in refused.value.technical_info
    assert refused.value.error_code == -26
    dossier.insert_balancing(SALE_KEY, balancing_key(2, "F1", F1_LAST + 1, 2), 71.0)
    with pytest.raises(errors.BookingRefused):
        dossier.insert_balancing(SALE_KEY, balancing_key(2, "F1", F1_LAST + 1, 3), 0.01)
    modified, _deleted = dossier.modified_balancings(LONG_AGO)
    assert sorted(b["creditBalancedBookingAmount"] for b in modified) == [50.0, 71.0]


def test_a_bank_line_cannot_be_balanced_for_more_than_it_holds(invoiced):
    invoiced.insert_buysell_booking(sale(V1_LAST + 2))
    invoiced.insert_balancing(SALE_KEY, BANK_LINE, 100.0)
    with pytest.raises(errors.BookingRefused) as refused:
        invoiced.insert_balancing(balancing_key(2, "V1", V1_LAST + 2), BANK_LINE, 50.0)
    assert "open amount 21.00 of 2026/F1/78 line 1" in refused.value.technical_info


def test_a_vendor_bill_is_the_credit_side_and_its_payment_the_debit_side(dossier):
    dossier.insert_buysell_booking(purchase())
    dossier.insert_financial_booking(receipt(amounts=(-121.0,), relation_id=2, kind="S"))
    bill, payment = balancing_key(2, "A1", A1_LAST + 1), BANK_LINE
    with pytest.raises(errors.BookingRefused) as refused:
        dossier.insert_balancing(bill, payment, 121.0)
    assert "is not a debit document" in refused.value.technical_info
    dossier.insert_balancing(payment, bill, 121.0)
    assert dossier.modified_balancings(LONG_AGO)[0][0]["type"]["type"] == "S"


def test_an_invoice_balanced_against_its_credit_note(dossier):
    dossier.insert_buysell_booking(sale())
    dossier.insert_buysell_booking(sale(V1_LAST + 2, amount=-121.0))
    dossier.insert_balancing(SALE_KEY, balancing_key(2, "V1", V1_LAST + 2), 121.0)
    credit_note = dossier.modified_balancings(LONG_AGO)[0][0]["creditDocument"]
    assert credit_note["creditDocumentAmount"] == 121.0


@pytest.mark.parametrize(
    "debet, credit, reason",
    [
        (SALE_KEY, balancing_key(2, "F1", F1_LAST + 1, 2), "not found"),
        (balancing_key(2, "V1", 1), BANK_LINE, "not found"),
        (SALE_KEY, BANK_LINE, "different relations"),
    ],
)
def test_refused_balancings(dossier, debet, credit, reason):
    dossier.insert_buysell_booking(sale())
    dossier.insert_financial_booking(receipt(relation_id=5 if reason == "different relations" else 1))
    with pytest.raises(errors.BookingRefused) as refused:
        dossier.insert_balancing(debet, credit, 121.0)
    assert reason in refused.value.technical_info


def test_a_lost_reply_leaves_the_balancing_stored_and_says_so(invoiced, state):
    state.inject_fault("drop_after_commit", path="/balancings")
    with pytest.raises(errors.OutcomeUnknown):
        invoiced.insert_balancing(SALE_KEY, BANK_LINE, 121.0)
    assert len(invoiced.modified_balancings(LONG_AGO)[0]) == 1
    with pytest.raises(errors.BookingRefused):  # sending it again is refused, not doubled
        invoiced.insert_balancing(SALE_KEY, BANK_LINE, 121.0)


# -- DELETE /balancings/delete ------------------------------------------------------------------


def test_a_deleted_balancing_is_listed_as_deleted_and_opens_the_invoice_again(invoiced):
    invoiced.insert_balancing(SALE_KEY, BANK_LINE, 121.0)
    assert invoiced.delete_balancing(SALE_KEY, BANK_LINE) is True
    modified, deleted = invoiced.modified_balancings(LONG_AGO)
    assert modified == [] and deleted == [{"debetKey": SALE_KEY, "creditKey": BANK_LINE}]
    assert invoiced.delete_balancing(SALE_KEY, BANK_LINE) is False  # a repeat is harmless
    invoiced.insert_balancing(SALE_KEY, BANK_LINE, 121.0)  # open again


def test_nothing_modified_is_empty_lists(dossier, octo):
    assert dossier.modified_balancings(LONG_AGO) == ([], [])
    answer = octo.call("GET", "/balancings/modified", params={"modifiedTimeStamp": "2000-01-01 00:00:00.000"})
    assert answer.status_code == 404 and answer.json()["errorCode"] == -65


def test_only_changes_after_the_timestamp_are_listed(invoiced, state):
    invoiced.insert_balancing(SALE_KEY, BANK_LINE, 121.0)
    state.advance(3600)
    later = datetime.fromtimestamp(state.now() - 60, timezone.utc)
    assert invoiced.modified_balancings(later) == ([], [])


def test_balancing_calls_count_against_their_daily_limits(invoiced, state):
    state.set_limit("GET /balancings/modified", 1)
    invoiced.modified_balancings(LONG_AGO)
    with pytest.raises(errors.DailyLimitReached):
        invoiced.modified_balancings(LONG_AGO)
    assert state.limits["POST /balancings"] == 400 and state.limits["DELETE /balancings/delete"] == 400


def test_balancing_shape_errors(octo):
    assert octo.call("POST", "/balancings", json={"debetKey": SALE_KEY}).status_code == 400
    wrong_type = dict(SALE_KEY, lineSequenceNr="first")
    assert (
        octo.call(
            "POST", "/balancings", json={"debetKey": wrong_type, "creditKey": BANK_LINE, "balanceAmount": 1.0}
        ).status_code
        == 500
    )


# -- controls: the accountant pays an invoice in Octopus -----------------------------------------


def test_pay_in_octopus_books_the_bank_line_and_balances_it(invoiced, state):
    paid = state.pay_in_octopus(1001, 2, "V1", V1_LAST + 1)
    bank = paid["booking"]
    assert (bank["journalKey"], bank["documentSequenceNr"], bank["enteredBy"]) == ("F1", F1_LAST + 2, "octopus")
    assert bank["booking"]["bookingLines"] == [
        {
            "type": "C",
            "relationId": 1,
            "externalRelationId": 0,
            "accountKey": 0,
            "amount": 121.0,
            "reference": "2026/V1/144",
        }
    ]
    assert paid["balancing"]["creditDocument"]["balancingKey"] == balancing_key(2, "F1", F1_LAST + 2, 1)
    assert paid["balancing"]["creditBalancedBookingAmount"] == 121.0
    modified, _ = invoiced.modified_balancings(LONG_AGO)
    assert [b["debetDocument"]["balancingKey"] for b in modified] == [SALE_KEY]


def test_pay_in_octopus_partly_then_the_rest(invoiced, state):
    state.pay_in_octopus(1001, 2, "V1", V1_LAST + 1, amount=21.0)
    with pytest.raises(ValueError, match="open amount 100.00"):
        state.pay_in_octopus(1001, 2, "V1", V1_LAST + 1, amount=150.0)
    rest = state.pay_in_octopus(1001, 2, "V1", V1_LAST + 1, bank_journal="F2")
    assert rest["balancing"]["creditBalancedBookingAmount"] == 100.0
    assert [b["creditBalancedBookingAmount"] for b in state.balancings(1001)] == [21.0, 100.0]


def test_pay_a_vendor_bill_in_octopus_pays_money_out(dossier, state):
    dossier.insert_buysell_booking(purchase())
    paid = state.pay_in_octopus(1001, 2, "A1", A1_LAST + 1)
    assert paid["booking"]["booking"]["bookingLines"][0]["amount"] == -121.0
    assert paid["balancing"]["creditDocument"]["balancingKey"] == balancing_key(2, "A1", A1_LAST + 1)


def test_controls_over_http(invoiced, sandbox_server, state):
    base = f"{sandbox_server.base_url}/_sandbox/dossiers/1001"
    paid = requests.post(
        f"{base}/pay", json={"bookyear": 2, "journal": "V1", "nr": V1_LAST + 1, "amount": 21}, timeout=5
    ).json()
    assert paid["ok"] and paid["balancing"]["creditBalancedBookingAmount"] == 21.0
    listed = requests.get(f"{base}/balancings", timeout=5).json()["balancings"]
    assert len(listed) == 1
    keys = {
        "debetKey": listed[0]["debetDocument"]["balancingKey"],
        "creditKey": listed[0]["creditDocument"]["balancingKey"],
    }
    assert requests.post(f"{base}/delete-balancing", json=keys, timeout=5).json()["ok"]
    assert state.balancings(1001) == []
    again = requests.post(f"{base}/delete-balancing", json=keys, timeout=5)
    assert again.status_code == 400 and "not found" in again.json()["error"]
    unknown = requests.post(f"{base}/pay", json={"bookyear": 2, "journal": "V1", "nr": 1}, timeout=5)
    assert unknown.status_code == 400
