"""OctopusClient over real HTTP against the sandbox (demo seed, reset for every test)."""

import logging
import socket
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import requests

from octopus import MemoryTokenStore, OctopusClient, errors
from octopus.call import format_timestamp

UUID = "00000000-0000-4000-8000-000000000001"
USER, PASSWORD = "demo@B12345", "demo"
DOSSIER, OTHER_DOSSIER = 1001, 1002
OPEN_YEAR, CLOSED_YEAR = 2, 1  # 2026 open, 2025 closed
NEXT_SALE, NEXT_BANK = 144, 78  # V1 / F1 last numbers in 2026 are 143 / 77
AUTH, CONNECT = "POST /authentication", "POST /dossiers"
D = "/dossiers/{dossierId}"


@pytest.fixture
def state(sandbox_server):
    return sandbox_server.state


@pytest.fixture
def make_client(sandbox_server):
    def make(**options):
        url = options.pop("url", sandbox_server.url)
        password = options.pop("password", PASSWORD)
        options = {"timeout": 5, "backoff": 0, **options}
        return OctopusClient(url, USER, password, UUID, **options)

    return make


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def dossier(client):
    return client.dossier(DOSSIER)


def sale(
    nr=NEXT_SALE,
    *,
    bookyear=OPEN_YEAR,
    period=202605,
    journal="V1",
    relation_id=1,
    account=700000,
    vat_code="21",
    amount=121.0,
):
    """A sales booking of 100 + 21 VAT on 14 May (of 2026 unless the period says otherwise)."""
    date = f"{period // 100}-{period % 100:02d}-14" if period % 100 <= 12 else "2026-05-14"
    return {
        "bookyearKey": {"id": bookyear},
        "journalKey": journal,
        "documentSequenceNr": nr,
        "relationIdentificationServiceData": {"relationKey": {"id": relation_id}},
        "bookyearPeriodeNr": period,
        "documentDate": date,
        "expiryDate": date,
        "comment": "INV/2026/0001",
        "amount": amount,
        "currencyCode": "EUR",
        "exchangeRate": 1.0,
        "bookingLines": [{"accountKey": account, "baseAmount": 100.0, "vatCodeKey": vat_code, "vatAmount": 21.0}],
    }


def bank_receipt(nr=NEXT_BANK):
    return {
        "bookyearKey": {"id": OPEN_YEAR},
        "journalKey": "F1",
        "documentSequenceNr": nr,
        "bookyearPeriodeNr": 202605,
        "documentDate": "2026-05-20",
        "exchangeRate": 1.0,
        "bookingLines": [{"type": "C", "relationId": 1, "amount": 121.0, "reference": "2026/V1/144"}],
    }


def calls(state, template):
    return state.call_counts.get(template, 0)


# -- signing in and tokens ------------------------------------------------------------------


def test_authenticate(client, state):
    client.authenticate()
    assert calls(state, AUTH) == 1
    token, expires_at = client.tokens.get("user")
    assert token and 560 < expires_at - time.time() <= 600


def test_wrong_password_is_an_authentication_error_without_the_password(make_client, state):
    secret = "Wr0ng-Secret!"
    client = make_client(password=secret)
    with pytest.raises(errors.AuthenticationError) as caught:
        client.authenticate()
    exc = caught.value
    assert exc.status == 401
    assert "failed login attempt" in str(exc)
    assert secret not in str(exc) and secret not in repr(exc) and secret not in (exc.technical_info or "")
    assert calls(state, AUTH) == 1


def test_tokens_are_reused_across_calls(dossier, client, state):
    client.list_dossiers()
    dossier.get_bookyears()
    dossier.get_journals(OPEN_YEAR)
    dossier.get_vat_codes()
    client.dossier(DOSSIER).find_relations(external_id=1)
    assert calls(state, AUTH) == 1
    assert calls(state, CONNECT) == 1


def test_a_shared_token_store_spares_a_second_sign_in(make_client, state):
    store = MemoryTokenStore()
    make_client(token_store=store).dossier(DOSSIER).get_bookyears()
    make_client(token_store=store).dossier(DOSSIER).get_bookyears()
    assert (calls(state, AUTH), calls(state, CONNECT)) == (1, 1)


def test_one_dossier_token_per_dossier(client, state):
    client.dossier(DOSSIER).get_bookyears()
    client.dossier(OTHER_DOSSIER).get_bookyears()
    client.dossier(DOSSIER).get_vat_codes()
    assert calls(state, AUTH) == 1
    assert calls(state, CONNECT) == 2
    assert client.tokens.get(f"dossier:{DOSSIER}")[0] != client.tokens.get(f"dossier:{OTHER_DOSSIER}")[0]
    assert state.calls_by_dossier[OTHER_DOSSIER] == {CONNECT: 1, "GET " + D + "/bookyears": 1}


def test_tokens_refused_by_the_server_are_renewed_once(dossier, state):
    dossier.get_bookyears()
    state.expire_tokens()
    assert dossier.get_bookyears()
    assert (calls(state, AUTH), calls(state, CONNECT)) == (2, 2)
    assert calls(state, "GET " + D + "/bookyears") == 3  # the refused one is repeated once


def test_tokens_are_renewed_after_ten_minutes_on_the_server(dossier, state):
    dossier.get_bookyears()
    state.advance(601)
    assert dossier.get_journals(OPEN_YEAR)
    assert (calls(state, AUTH), calls(state, CONNECT)) == (2, 2)


def test_tokens_are_renewed_before_they_end(dossier, client, state):
    dossier.get_bookyears()
    for key in ("user", f"dossier:{DOSSIER}"):
        token, _expires = client.tokens.get(key)
        client.tokens.set(key, token, time.time() + 20)  # inside the 30 s margin
    dossier.get_bookyears()
    assert (calls(state, AUTH), calls(state, CONNECT)) == (2, 2)
    assert calls(state, "GET " + D + "/bookyears") == 2  # renewed up front, no 401 round trip


def test_a_token_refused_right_after_a_good_sign_in_is_transient_not_a_wrong_password(dossier, state, monkeypatch):
    dossier.get_bookyears()
    monkeypatch.setattr(state, "dossier_of", _always_refuse)
    with pytest.raises(errors.TokenRefused) as caught:
        dossier.get_bookyears()
    assert isinstance(caught.value, errors.TransientError), "the push waits and tries again"
    assert not isinstance(caught.value, errors.AuthenticationError)
    assert calls(state, "GET " + D + "/bookyears") == 3


def _always_refuse(token, dossier_id):
    from sandbox.errors import ApiError

    raise ApiError(401, "Invalid or expired token presented, unauthorized", -2)


def test_unknown_or_forbidden_dossier(client, state):
    with pytest.raises(errors.DossierAccessError) as caught:
        client.dossier(9999).get_bookyears()
    assert caught.value.status == 404
    state.dossiers[OTHER_DOSSIER].disabled = True
    with pytest.raises(errors.DossierAccessError) as caught:
        client.dossier(OTHER_DOSSIER).get_bookyears()
    assert caught.value.status == 403


# -- every call ------------------------------------------------------------------------------


def test_list_dossiers(client):
    assert [d["dossierKey"]["id"] for d in client.list_dossiers()] == [1001, 1002, 1003, 1004, 1005]


def test_master_data(dossier):
    bookyears = {b["bookyearKey"]["id"]: b for b in dossier.get_bookyears()}
    assert bookyears[OPEN_YEAR]["periods"][0]["bookyearPeriod"] == 202601
    journals = {j["journalKey"]: j for j in dossier.get_journals(OPEN_YEAR)}
    assert journals["V1"]["lastBookedDocumentNr"] == NEXT_SALE - 1
    accounts = {a["accountKey"]["id"] for a in dossier.get_accounts(OPEN_YEAR)}
    assert {700000, 400000} <= accounts
    assert "21" in {v["code"] for v in dossier.get_vat_codes()}


def test_find_relations(dossier):
    def ids(found):
        return sorted(r["relationIdentificationServiceData"]["relationKey"]["id"] for r in found)

    assert ids(dossier.find_relations(vat_nr="0412345614")) == [1]  # sent as BE0412.345.614
    assert ids(dossier.find_relations(vat_nr="NL853746333B01")) == [5]
    assert ids(dossier.find_relations(name="peeters")) == [1]
    assert ids(dossier.find_relations(relation_id=2, external_id=424242)) == [2]
    assert ids(dossier.find_relations()) == [1, 2, 3, 4, 5, 6, 8]  # active ones only


def test_relation_filters_use_the_filtered_budget(make_client):
    seen = []
    dossier = make_client(call_guard=lambda op, dossier_id: seen.append((op, dossier_id))).dossier(DOSSIER)
    dossier.find_relations(vat_nr="BE0412.345.614")
    dossier.find_relations()
    assert seen == [(AUTH, None), (CONNECT, DOSSIER), ("GET /relations?filtered", DOSSIER), ("GET /relations", DOSSIER)]


def test_put_relation_creates_then_merges(dossier, state):
    relation = {
        "currencyCode": "EUR",
        "relationIdentificationServiceData": {"externalRelationId": 4711},
        "name": "Nieuwe Klant BV",
        "client": True,
        "vatNr": "BE0477.472.701",
        "country": "BE",
    }
    created = dossier.put_relation(relation)
    ident = created["relationIdentificationServiceData"]
    assert ident == {"externalRelationId": 4711, "relationKey": {"id": 9}}
    assert created["expirationDays"] == 30
    assert dossier.put_relation(dict(relation, email="info@nieuwe-klant.be")) is None
    assert dossier.find_relations(external_id=4711)[0]["email"] == "info@nieuwe-klant.be"


def test_modified_relations_bring_created_and_merged_ones_only(dossier, state):
    started = datetime.now(timezone.utc) - timedelta(seconds=5)
    assert dossier.modified_relations(started) == ([], []), "seeded relations are not news (404 = none)"
    relation = {
        "currencyCode": "EUR",
        "name": "Nieuwe Klant BV",
        "vatNr": "BE0477.472.701",
        "relationIdentificationServiceData": {"externalRelationId": 4712},
    }
    created = dossier.put_relation(relation)
    modified, deleted = dossier.modified_relations(started)
    assert [r["relationIdentificationServiceData"]["relationKey"] for r in modified] == [
        created["relationIdentificationServiceData"]["relationKey"]
    ]
    assert deleted == []
    assert dossier.modified_relations(datetime.now(timezone.utc) + timedelta(minutes=1)) == ([], [])
    assert state.call_counts["GET /dossiers/{dossierId}/relations/modified"] == 3


def test_buysell_booking_roundtrip(dossier, state):
    started = datetime.now(timezone.utc) - timedelta(seconds=5)
    pdf = {"fileName": "INV.pdf", "fileData": "JVBERi0xLjcK"}
    assert dossier.insert_buysell_booking(sale(), [pdf]) is None
    [stored] = state.bookings(DOSSIER)
    assert stored["documentSequenceNr"] == NEXT_SALE
    assert stored["attachments"] == [{"fileName": "INV.pdf", "data": b"%PDF-1.7\n"}]

    fetched = dossier.get_buysell_booking(OPEN_YEAR, "V1", NEXT_SALE)
    assert fetched["amount"] == 121.0 and fetched["comment"] == "INV/2026/0001"
    modified = dossier.modified_buysell_bookings(OPEN_YEAR, "V1", started)
    assert [b["documentSequenceNr"] for b in modified] == [NEXT_SALE]
    assert dossier.modified_buysell_bookings(-1, None, started)[0]["journalKey"] == "V1"

    dossier.add_booking_attachment(OPEN_YEAR, "V1", NEXT_SALE, "extra.txt", b"\x00\xffhello")
    assert state.bookings(DOSSIER)[0]["attachments"][1] == {"fileName": "extra.txt", "data": b"\x00\xffhello"}


def test_created_body_is_ignored(dossier, state):
    state.created_body = True
    assert dossier.insert_buysell_booking(sale()) is None


def test_financial_booking_roundtrip(dossier, state):
    started = datetime.now(timezone.utc) - timedelta(seconds=5)
    assert dossier.insert_financial_booking(bank_receipt()) is None
    [stored] = state.financial_bookings(DOSSIER)
    assert (stored["journalKey"], stored["documentSequenceNr"]) == ("F1", NEXT_BANK)
    modified = dossier.modified_financial_bookings(OPEN_YEAR, "F1", started)
    assert [b["documentSequenceNr"] for b in modified] == [NEXT_BANK]


def test_nothing_found_on_lists_is_an_empty_list(dossier):
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert dossier.modified_buysell_bookings(OPEN_YEAR, "V1", future) == []
    assert dossier.modified_financial_bookings(-1, None, future) == []
    assert dossier.find_relations(vat_nr="BE0477.472.701") == []
    assert dossier.get_journals(99) == []


def test_a_missing_single_booking_is_not_found(dossier):
    with pytest.raises(errors.NotFound) as caught:
        dossier.get_buysell_booking(OPEN_YEAR, "V1", 9999)
    assert caught.value.status == 404


def test_modified_timestamp_format():
    moment = datetime(2026, 5, 14, 10, 3, 4, 567890, tzinfo=timezone.utc)
    assert format_timestamp(moment) == "2026-05-14 10:03:04.567"
    assert format_timestamp(moment.astimezone(timezone(timedelta(hours=2)))) == "2026-05-14 10:03:04.567"
    assert format_timestamp(datetime(2026, 1, 1)) == "2026-01-01 00:00:00.000"


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "booking, cls, code",
    [
        (sale(journal="V9"), errors.UnknownJournal, -10),
        (sale(period=202613), errors.UnknownPeriod, -14),
        (sale(relation_id=999), errors.UnknownRelation, -16),
        (sale(account=999999), errors.UnknownAccount, -21),
        (sale(vat_code="ZZ"), errors.UnknownVatCode, -22),
        (sale(amount=150.0), errors.InvalidAmounts, -23),
    ],
)
def test_booking_refusals(dossier, state, booking, cls, code):
    with pytest.raises(cls) as caught:
        dossier.insert_buysell_booking(booking)
    assert (caught.value.status, caught.value.error_code) == (400, code)
    assert isinstance(caught.value, errors.BookingRefused)
    assert str(caught.value)
    assert state.bookings(DOSSIER) == []


def test_wrong_number_tells_the_last_one(dossier):
    with pytest.raises(errors.IllegalDocumentNumber) as caught:
        dossier.insert_buysell_booking(sale(nr=NEXT_SALE + 5))
    assert caught.value.last_document_nr == NEXT_SALE - 1
    with pytest.raises(errors.IllegalDocumentNumber) as caught:
        dossier.insert_financial_booking(bank_receipt(nr=1))
    assert caught.value.last_document_nr == NEXT_BANK - 1


def test_protected_period(dossier, state):
    state.protect_period(DOSSIER, OPEN_YEAR, "V1", 202605)
    with pytest.raises(errors.PeriodProtected):
        dossier.insert_buysell_booking(sale(period=202605))
    dossier.insert_buysell_booking(sale(period=202606))


def test_journal_open_by_another_user_minus_12(dossier, state):
    state.lock(DOSSIER, "V1")
    with pytest.raises(errors.JournalLocked) as caught:
        dossier.insert_buysell_booking(sale())
    assert (caught.value.status, caught.value.error_code) == (403, -12)
    assert calls(state, "GET " + D + "/bookyears/{bookyearId}/journals") == 0


def test_journal_open_by_another_user_minus_11(dossier, state):
    state.lock_error_code = -11
    state.lock(DOSSIER, "V1")
    with pytest.raises(errors.JournalLocked) as caught:
        dossier.insert_buysell_booking(sale())
    assert caught.value.error_code == -11
    assert calls(state, "GET " + D + "/bookyears/{bookyearId}/journals") == 1
    state.unlock(DOSSIER, "V1")
    dossier.insert_buysell_booking(sale())


def test_closed_journal(dossier, state):
    state.close(DOSSIER, OPEN_YEAR, "V1")
    with pytest.raises(errors.JournalClosed) as caught:
        dossier.insert_buysell_booking(sale())
    assert (caught.value.status, caught.value.error_code) == (403, -11)


def test_closed_bookyear(dossier):
    with pytest.raises(errors.JournalClosed):
        dossier.insert_buysell_booking(sale(nr=188, bookyear=CLOSED_YEAR, period=202505))


def test_locked_journal_with_the_period_protected_counts_as_closed(dossier, state):
    state.lock_error_code = -11
    state.lock(DOSSIER, "V1")
    state.protect_period(DOSSIER, OPEN_YEAR, "V1", 202606)
    with pytest.raises(errors.JournalClosed):
        dossier.insert_buysell_booking(sale(period=202605))


def test_journal_check_that_cannot_run_assumes_a_lock(make_client, state):
    def guard(operation, dossier_id):
        if operation == "GET /journals":
            raise errors.DailyLimitReached(message="no budget left")

    state.close(DOSSIER, OPEN_YEAR, "V1")
    with pytest.raises(errors.JournalLocked):
        make_client(call_guard=guard).dossier(DOSSIER).insert_buysell_booking(sale())


# -- daily limits and the call guard -----------------------------------------------------------


def test_server_daily_limit(dossier, state):
    state.set_limit("GET /bookyears", 1)
    dossier.get_bookyears()
    with pytest.raises(errors.DailyLimitReached) as caught:
        dossier.get_bookyears()
    assert caught.value.status == 429
    assert calls(state, "GET " + D + "/bookyears") == 2  # not retried


def test_call_guard_stops_a_call_before_it_is_sent(make_client, state):
    seen = []

    def guard(operation, dossier_id):
        seen.append((operation, dossier_id))
        if operation == "POST /buysellbookings":
            raise errors.DailyLimitReached(message="budget used up")

    with pytest.raises(errors.DailyLimitReached, match="budget used up"):
        make_client(call_guard=guard).dossier(DOSSIER).insert_buysell_booking(sale())
    assert seen == [(AUTH, None), (CONNECT, DOSSIER), ("POST /buysellbookings", DOSSIER)]
    assert calls(state, "POST " + D + "/buysellbookings") == 0


# -- faults --------------------------------------------------------------------------------


def test_read_retried_on_5xx_then_succeeds(make_client, state):
    seen = []
    dossier = make_client(call_guard=lambda op, _dossier: seen.append(op)).dossier(DOSSIER)
    state.inject_fault("5xx", count=2, path="/bookyears")
    assert dossier.get_bookyears()
    assert calls(state, "GET " + D + "/bookyears") == 3
    assert seen.count("GET /bookyears") == 3  # every retry is a counted call


def test_read_gives_up_after_max_retries(make_client, state):
    state.inject_fault("5xx", count=5, path="/vatcodes")
    with pytest.raises(errors.TransientError) as caught:
        make_client(max_retries=1).dossier(DOSSIER).get_vat_codes()
    assert not isinstance(caught.value, errors.OutcomeUnknown)
    assert caught.value.status == 503
    assert calls(state, "GET " + D + "/vatcodes") == 2


def test_write_not_retried_on_5xx(dossier, state):
    dossier.get_bookyears()
    state.inject_fault("5xx", count=1, path="/buysellbookings")
    with pytest.raises(errors.OutcomeUnknown) as caught:
        dossier.insert_buysell_booking(sale())
    assert caught.value.status == 503
    assert calls(state, "POST " + D + "/buysellbookings") == 1
    assert state.bookings(DOSSIER) == []


def test_reply_lost_after_commit(dossier, state):
    dossier.get_bookyears()
    state.inject_fault("drop_after_commit", count=1, path="/buysellbookings")
    with pytest.raises(errors.OutcomeUnknown):
        dossier.insert_buysell_booking(sale())
    assert calls(state, "POST " + D + "/buysellbookings") == 1
    assert [b["documentSequenceNr"] for b in state.bookings(DOSSIER)] == [NEXT_SALE]


def test_dropped_read_is_not_retried(dossier, state):
    dossier.get_bookyears()
    state.inject_fault("drop", count=1, path="/journals")
    with pytest.raises(errors.TransientError) as caught:
        dossier.get_journals(OPEN_YEAR)
    assert not isinstance(caught.value, errors.OutcomeUnknown)
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    assert calls(state, "GET " + D + "/bookyears/{bookyearId}/journals") == 1


def test_read_timeout_is_retried(make_client, state):
    state.timeout_seconds = 1.0
    dossier = make_client(timeout=0.3).dossier(DOSSIER)
    dossier.get_bookyears()
    state.inject_fault("timeout", count=1, path="/journals")
    assert dossier.get_journals(OPEN_YEAR)
    state.inject_fault("timeout", count=3, path="/journals")
    with pytest.raises(errors.TransientError, match="no answer"):
        dossier.get_journals(OPEN_YEAR)
    assert calls(state, "GET " + D + "/bookyears/{bookyearId}/journals") == 5


def test_write_timeout_is_an_unknown_outcome(make_client, state):
    state.timeout_seconds = 1.0
    dossier = make_client(timeout=0.3).dossier(DOSSIER)
    dossier.get_bookyears()
    state.inject_fault("timeout", count=1, path="/buysellbookings")
    with pytest.raises(errors.OutcomeUnknown):
        dossier.insert_buysell_booking(sale())
    assert calls(state, "POST " + D + "/buysellbookings") == 1


def test_refused_connection_on_a_write_is_transient_not_unknown(make_client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = MemoryTokenStore()
    store.set(f"dossier:{DOSSIER}", "token", time.time() + 600)
    url = f"http://127.0.0.1:{port}/octopus-rest-api/v1"
    dossier = make_client(url=url, token_store=store).dossier(DOSSIER)
    with pytest.raises(errors.TransientError) as caught:
        dossier.insert_buysell_booking(sale())
    assert not isinstance(caught.value, errors.OutcomeUnknown)


class BlockedRequest(requests.ConnectionError):
    """What Odoo's test framework raises for a host other than localhost."""


class GuardedSession(requests.Session):
    def __init__(self):
        super().__init__()
        self.blocked = []

    def send(self, request, **kwargs):
        if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost"):
            self.blocked.append(request.url)
            raise BlockedRequest(f"External requests verboten (was {request.method} {request.url})")
        return super().send(request, **kwargs)


def test_foreign_host_connection_error_surfaces_at_once(make_client):
    session = GuardedSession()
    client = make_client(url="https://service.inaras.be/octopus-rest-api/v1", session=session, max_retries=2)
    with pytest.raises(errors.TransientError) as caught:
        client.dossier(DOSSIER).get_bookyears()
    assert isinstance(caught.value.__cause__, BlockedRequest)
    assert "verboten" in str(caught.value)
    assert session.blocked == ["https://service.inaras.be/octopus-rest-api/v1/authentication"]


def test_the_given_session_is_used_for_every_call(make_client, state):
    session = GuardedSession()
    make_client(session=session).dossier(DOSSIER).get_bookyears()
    assert session.blocked == [] and calls(state, "GET " + D + "/bookyears") == 1


# -- logging -----------------------------------------------------------------------------------


def test_debug_log_has_no_secrets(make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="octopus")
    client = make_client()
    dossier = client.dossier(DOSSIER)
    dossier.get_bookyears()
    dossier.find_relations(vat_nr="BE0412.345.614")
    secrets = [PASSWORD, client.tokens.get("user")[0], client.tokens.get(f"dossier:{DOSSIER}")[0]]
    assert "POST /authentication -> 200" in caplog.text
    assert "GET /dossiers/1001/bookyears -> 200" in caplog.text
    assert not [s for s in secrets if s in caplog.text]
