"""The sandbox over real HTTP: it must answer like Octopus (ref §2-§6.4 of the API reference) and
obey its control surface (ARCHITECTURE.md §1)."""

import base64
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from sandbox import SandboxServer

REPO_ROOT = Path(__file__).resolve().parents[2]

UUID = "00000000-0000-4000-8000-000000000001"
USER, PASSWORD = "demo@B12345", "demo"
LOCK_MESSAGE_NL = "Het dagboek is afgesloten of geopend door een andere gebruiker"
V1_LAST = 143  # dossier 1001, bookyear 2 (2026), demo seed
A1_LAST = 158
F1_LAST = 77
PDF = b"%PDF-1.7\n% sandbox test\n"


class Octopus:
    """Just enough of a client to speak to the sandbox the way the reference describes."""

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self._dossier_tokens = {}

    def login(self, user=USER, password=PASSWORD, uuid=UUID):
        return requests.post(
            f"{self.url}/authentication",
            json={"user": user, "password": password},
            headers={"softwareHouseUuid": uuid},
            timeout=5,
        )

    def token(self):
        return self.login().json()["token"]

    def connect(self, dossier_id=1001, token=None, **params):
        headers = {"Token": token or self.token()}
        return requests.post(
            f"{self.url}/dossiers", params=dict(params, dossierId=dossier_id), headers=headers, timeout=5
        )

    def dossier_token(self, dossier_id=1001):
        if dossier_id not in self._dossier_tokens:
            self._dossier_tokens[dossier_id] = self.connect(dossier_id).json()["Dossiertoken"]
        return self._dossier_tokens[dossier_id]

    def forget_tokens(self):
        self._dossier_tokens.clear()

    def call(self, method, path, dossier_id=1001, headers=None, timeout=5, **kwargs):
        """A per-dossier call: `path` is below /dossiers/<id>."""
        all_headers = {"dossierToken": self.dossier_token(dossier_id)}
        all_headers.update(headers or {})
        return requests.request(
            method, f"{self.url}/dossiers/{dossier_id}{path}", headers=all_headers, timeout=timeout, **kwargs
        )

    def post_booking(self, booking, attachments=None, **kwargs):
        body = {"buySellBookingServiceData": booking, "attachments": attachments or []}
        return self.call("POST", "/buysellbookings", json=body, **kwargs)

    def journal(self, key, bookyear_id=2, dossier_id=1001):
        journals = self.call("GET", f"/bookyears/{bookyear_id}/journals", dossier_id).json()
        return next(j for j in journals if j["journalKey"] == key)


def sale(nr=V1_LAST + 1, **overrides):
    """The reference's sales invoice example (ref §4.6), moved into the demo dossier."""
    booking = {
        "bookyearKey": {"id": 2},
        "journalKey": "V1",
        "documentSequenceNr": nr,
        "relationIdentificationServiceData": {"relationKey": {"id": 1}},
        "bookyearPeriodeNr": 202605,
        "documentDate": "2026-05-14",
        "expiryDate": "2026-06-13",
        "comment": "INV/2026/0143",
        "reference": "+++090/9337/55493+++",
        "amount": 121.00,
        "currencyCode": "EUR",
        "exchangeRate": 1.0,
        "paymentMethod": 1,
        "bookingLines": [
            {
                "accountKey": 700000,
                "baseAmount": 100.00,
                "vatCodeKey": "21",
                "vatAmount": 21.00,
                "comment": "Consulting",
            }
        ],
    }
    booking.update(overrides)
    return booking


def line(**overrides):
    return dict({"accountKey": 700000, "baseAmount": 100.0, "vatCodeKey": "21", "vatAmount": 21.0}, **overrides)


def bank(nr=F1_LAST + 1, **overrides):
    booking = {
        "bookyearKey": {"id": 2},
        "journalKey": "F1",
        "documentSequenceNr": nr,
        "bookyearPeriodeNr": 202605,
        "documentDate": "2026-05-27",
        "exchangeRate": 1.0,
        "bookingLines": [
            {"type": "C", "relationId": 1, "amount": 121.0, "reference": "2026/V1/144"},
            {"type": "S", "externalRelationId": 0, "relationId": 2, "amount": -34.0},
            {"type": "A", "accountKey": 657000, "amount": -2.5},
        ],
    }
    booking.update(overrides)
    return booking


def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture
def octo(sandbox_server):
    return Octopus(sandbox_server)


@pytest.fixture
def state(sandbox_server):
    return sandbox_server.state


# -- demo seed ------------------------------------------------------------------------------


def test_demo_seed_vat_numbers_pass_mod97(state):
    numbers = [d.info["vatNr"] for d in state.dossiers.values()]
    numbers += [r["vatNr"] for d in state.dossiers.values() for r in d.relations]
    belgian = [n for n in numbers if n.startswith("BE")]
    assert {"BE0477.472.701", "BE0403.019.261", "BE0897.223.670"} <= set(belgian)
    for number in belgian:
        digits = number[2:].replace(".", "")
        assert len(digits) == 10 and 97 - int(digits[:8]) % 97 == int(digits[8:]), number


# -- authentication and dossiers (ref §2, §3) -------------------------------------------------


def test_authentication_returns_a_token(octo):
    answer = octo.login()
    assert answer.status_code == 200
    assert list(answer.json()) == ["token"]
    assert answer.json()["token"].count(".") == 2  # JWT-looking
    # header names are case-insensitive (ref §2.1)
    again = requests.post(
        f"{octo.url}/authentication",
        json={"user": USER, "password": PASSWORD},
        headers={"Softwarehouseuuid": UUID},
        timeout=5,
    )
    assert again.status_code == 200 and again.json()["token"] != answer.json()["token"]


@pytest.mark.parametrize(
    "user,password,uuid",
    [
        (USER, "wrong", UUID),
        ("nobody@B1", PASSWORD, UUID),
        (USER, PASSWORD, "00000000-0000-4000-8000-00000000dead"),
    ],
)
def test_authentication_failures_answer_401_with_technical_info_only(octo, user, password, uuid):
    answer = octo.login(user, password, uuid)
    assert answer.status_code == 401
    assert answer.json() == {
        "technicalInfo": f"Incrementing failed login attempt count for user {user}, IP address 127.0.0.1. "
    }


def test_authentication_without_body_is_400(octo):
    answer = requests.post(f"{octo.url}/authentication", headers={"softwareHouseUuid": UUID}, timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"technicalInfo": "Invalid or missing parameters passed"}


def test_list_dossiers(octo):
    answer = requests.get(f"{octo.url}/dossiers", headers={"Token": octo.token()}, timeout=5)
    assert answer.status_code == 200
    dossiers = answer.json()
    assert [d["dossierKey"] for d in dossiers] == [{"id": 1001}, {"id": 1002}, {"id": 1003}, {"id": 1004}, {"id": 1005}]
    demo = dossiers[0]
    assert demo["dossierDescription"] == "Demo BV" and demo["vatNr"] == "BE0477.472.701"
    assert {"streetAndNr", "postalCode", "city", "country", "email", "languageCode"} <= set(demo)
    assert dossiers[1]["dossierDescription"] == "VME Residentie Zonneveld"
    assert answer.text.index('"city"') < answer.text.index('"dossierDescription"')  # sorted keys


def test_list_dossiers_needs_a_valid_token(octo):
    missing = requests.get(f"{octo.url}/dossiers", timeout=5)
    assert missing.status_code == 401 and missing.json()["errorCode"] == -79
    invalid = requests.get(f"{octo.url}/dossiers", headers={"Token": "x.y.z"}, timeout=5)
    assert invalid.status_code == 401


def test_connect_dossier_returns_dossiertoken(octo):
    answer = octo.connect(1001, localeId=2)
    assert answer.status_code == 200
    assert list(answer.json()) == ["Dossiertoken"]


def test_connect_dossier_errors(octo, state):
    no_token = requests.post(f"{octo.url}/dossiers", params={"dossierId": 1001}, timeout=5)
    assert no_token.status_code == 401
    assert no_token.json() == {
        "errorCode": -79,
        "errorMessage": "Empty access token",
        "technicalInfo": "Empty access token",
    }
    assert octo.connect(1001, token="bogus").status_code == 401
    unknown = octo.connect(4242)
    assert unknown.status_code == 404
    assert set(unknown.json()) == {"errorCode", "errorMessage", "technicalInfo"}
    assert octo.connect("abc").status_code == 400
    assert octo.connect(1001, localeId=9).status_code == 400
    state.dossiers[1003].disabled = True
    disabled = octo.connect(1003)
    assert disabled.status_code == 403
    assert disabled.json()["errorMessage"] == "Unauthorized or disabled dossier"
    state.users[USER].dossier_ids.discard(1002)
    assert octo.connect(1002).status_code == 403


def test_per_dossier_call_without_dossier_token_is_401_minus_79(octo):
    url = f"{octo.url}/dossiers/1001/bookyears"
    answer = requests.get(url, headers={"Token": octo.token()}, timeout=5)  # the classic mistake
    assert answer.status_code == 401
    assert answer.json()["errorCode"] == -79
    assert answer.json()["errorMessage"] == "Empty access token"


def test_dossier_token_only_opens_its_own_dossier(octo):
    other = octo.dossier_token(1002)
    answer = requests.get(f"{octo.url}/dossiers/1001/bookyears", headers={"dossierToken": other}, timeout=5)
    assert answer.status_code == 401


def test_tokens_expire_after_ten_minutes(octo, state):
    user_token = octo.token()
    assert octo.call("GET", "/vatcodes").status_code == 200
    state.advance(599)
    assert octo.call("GET", "/bookyears").status_code == 200
    state.advance(2)
    expired = octo.call("GET", "/bookyears")
    assert expired.status_code == 401 and expired.json()["errorCode"] != -79
    assert octo.connect(1001, token=user_token).status_code == 401
    assert octo.connect(1001).status_code == 200  # signing in again works


def test_expire_tokens_invalidates_everything(octo, state):
    assert octo.call("GET", "/bookyears").status_code == 200
    state.expire_tokens()
    assert octo.call("GET", "/bookyears").status_code == 401


# -- master data (ref §4.1-§4.4) ------------------------------------------------------------


def test_bookyears_with_yyyymm_periods(octo):
    answer = octo.call("GET", "/bookyears")
    assert answer.status_code == 200
    years = {y["bookyearDescription"]: y for y in answer.json()}
    assert years["2025"]["closed"] is True and years["2026"]["closed"] is False
    y2026 = years["2026"]
    assert y2026["bookyearKey"] == {"id": 2}
    assert (y2026["startDate"], y2026["endDate"]) == ("2026-01-01", "2026-12-31")
    assert [p["bookyearPeriod"] for p in y2026["periods"]] == list(range(202601, 202613))
    assert y2026["periods"][1] == {"bookyearPeriod": 202602, "startDate": "2026-02-01", "endDate": "2026-02-28"}


def test_journals_per_bookyear(octo):
    answer = octo.call("GET", "/bookyears/2/journals")
    assert answer.status_code == 200
    journals = {j["journalKey"]: j for j in answer.json()}
    assert set(journals) == {"A1", "V1", "V2", "F1", "F2", "D1"}
    assert journals["A1"] == {
        "bookyearKey": {"id": 2},
        "closed": False,
        "closedPeriod": 0,
        "insertionType": 1,
        "journalKey": "A1",
        "lastBookedDocumentNr": A1_LAST,
        "name": "AANKOPEN",
        "protectedPeriod": 0,
    }
    assert journals["F1"]["currencyCode"] == "EUR" and journals["F1"]["name"] == "Bank KBC"
    assert "currencyCode" not in journals["V1"]
    assert journals["V2"]["insertionType"] == 2
    closed_year = octo.call("GET", "/bookyears/1/journals").json()
    assert all(j["closed"] for j in closed_year)
    assert {j["journalKey"]: j["lastBookedDocumentNr"] for j in closed_year}["V1"] == 187
    missing = octo.call("GET", "/bookyears/99/journals")
    assert missing.status_code == 404 and missing.json()["errorMessage"] == "Geen dagboeken gevonden"


def test_accounts_need_bookyear_id(octo):
    missing = octo.call("GET", "/accounts")  # counts against the 2 calls a day, like any call
    assert missing.status_code == 400
    assert missing.json() == {"technicalInfo": "Invalid or missing parameters passed"}
    answer = octo.call("GET", "/accounts", params={"bookyearId": 2})
    assert answer.status_code == 200
    accounts = {a["accountKey"]["id"]: a for a in answer.json()}
    for nr in (
        400000,
        440000,
        451000,
        411000,
        499000,
        550000,
        580000,
        600000,
        604000,
        610000,
        612000,
        700000,
        701000,
        702000,
        704000,
        740000,
        743000,
    ):
        assert nr in accounts
    assert accounts[700000]["accountKey"] == {"bookyearKey": {"id": 2}, "id": 700000}
    assert set(accounts[700000]["description"]) == {"description_NL", "description_FR", "description_EN"}
    assert '"vatRecupPercentage": 100.0' in answer.text  # decimals as Octopus renders them


def test_accounts_of_unknown_bookyear_is_404(octo, state):
    state.enforce_limits = False
    answer = octo.call("GET", "/accounts", params={"bookyearId": 77})
    assert answer.status_code == 404 and answer.json()["errorMessage"] == "Geen rekeningen gevonden"


def test_vatcodes(octo):
    answer = octo.call("GET", "/vatcodes")
    assert answer.status_code == 200
    codes = {c["code"]: c for c in answer.json()}
    assert {"21", "12", "06", "00", "IC", "EX", "D21", "D12", "D06", "D00", "DIC"} <= set(codes)
    assert codes["21"]["type"] == 2 and codes["D21"]["type"] == 1
    assert codes["06"]["basePercentage"] == 6.0 and '"basePercentage": 6.0' in answer.text


# -- relations (ref §4.5, §5.3) --------------------------------------------------------------


def _names(answer):
    return sorted(r["name"] for r in answer.json())


def test_relations_unfiltered_lists_active_only(octo):
    answer = octo.call("GET", "/relations")
    assert answer.status_code == 200
    assert "Oude Klant BVBA" not in _names(answer)
    assert all(r["active"] for r in answer.json())
    relation = answer.json()[0]
    assert relation["relationIdentificationServiceData"] == {"externalRelationId": 0, "relationKey": {"id": 1}}


@pytest.mark.parametrize(
    "vat, name", [("BE0412.345.614", "Bakkerij Peeters BV"), ("NL8537.46.333 B01", "Van Dijk Logistics B.V.")]
)
def test_relations_by_vat_number_as_octopus_stores_it(octo, vat, name):
    answer = octo.call("GET", "/relations", params={"vatNr": vat})
    assert answer.status_code == 200 and _names(answer) == [name]


@pytest.mark.parametrize("vat", ["BE0412345614", "be 0412 345 614", "NL853746333B01"])
def test_relations_by_vat_number_in_another_spelling_are_not_found(octo, vat):
    """Octopus matches the stored text; a search in Odoo's compact spelling finds nothing."""
    assert octo.call("GET", "/relations", params={"vatNr": vat}).status_code == 404


def test_relations_filters_are_or_combined_and_include_inactive(octo):
    answer = octo.call("GET", "/relations", params={"vatNr": "BE0444.555.651", "relationId": 2, "name": "schmidt"})
    assert _names(answer) == ["Drukkerij Janssens BV", "Oude Klant BVBA", "Schmidt Maschinenbau GmbH"]


def test_relations_not_found_is_404(octo):
    answer = octo.call("GET", "/relations", params={"vatNr": "BE0999.999.999"})
    assert answer.status_code == 404
    assert answer.json() == {
        "errorCode": -47,
        "errorMessage": "Geen relaties gevonden",
        "technicalInfo": "No relations found",
    }
    assert octo.call("GET", "/relations", params={"relationId": "x"}).status_code == 400


def test_relation_create_answers_201_with_defaults(octo):
    request = {
        "currencyCode": "EUR",
        "relationIdentificationServiceData": {"externalRelationId": 99999},
        "name": "Test BV",
        "client": True,
        "supplier": False,
        "email": "test@example.org",
        "streetAndNr": "Teststraat 1",
        "postalCode": "1000",
        "city": "Brussel",
        "country": "BE",
    }
    answer = octo.call("PUT", "/relations", json=request)
    assert answer.status_code == 201
    created = answer.json()
    new_key = created["relationIdentificationServiceData"]["relationKey"]["id"]
    assert new_key == 9  # after the 8 demo relations
    assert created == {  # the recorded answer of ref §4.5, key aside
        "active": True,
        "city": "Brussel",
        "client": True,
        "corporationType": 0,
        "country": "BE",
        "currencyCode": "EUR",
        "defaultBookingAccountClient": 0,
        "defaultBookingAccountSupplier": 0,
        "email": "test@example.org",
        "expirationDays": 30,
        "expirationType": 2,
        "factLanguage": 0,
        "fax": "",
        "financialDiscount": False,
        "mobile": "",
        "name": "Test BV",
        "postalCode": "1000",
        "relationIdentificationServiceData": {"externalRelationId": 99999, "relationKey": {"id": new_key}},
        "sddActive": False,
        "sddMandateType": 0,
        "sddSeqtype": 0,
        "streetAndNr": "Teststraat 1",
        "supplier": False,
        "supplierPaymentMethod": 0,
        "telephone": "",
        "url": "",
        "vatNr": "",
        "vatType": 0,
    }
    found = octo.call("GET", "/relations", params={"extRelationId": 99999})
    assert _names(found) == ["Test BV"]


def test_relation_upsert_merges_by_external_id_then_key(octo):
    def put(ident, **fields):
        return octo.call(
            "PUT", "/relations", json=dict(fields, currencyCode="EUR", relationIdentificationServiceData=ident)
        )

    ext = {"externalRelationId": 4711}
    assert put(ext, name="A").status_code == 201
    merged = put(ext, city="Gent")
    assert merged.status_code == 204 and merged.content == b""
    assert put({"relationKey": {"id": 9}}, vatNr="BE0477.525.753").status_code == 204
    [relation] = octo.call("GET", "/relations", params={"extRelationId": 4711}).json()
    assert (relation["name"], relation["city"], relation["vatNr"]) == ("A", "Gent", "BE0477.525.753")


def test_relation_put_needs_identification_and_currency(octo):
    assert octo.call("PUT", "/relations", json={"name": "X"}).status_code == 400


# -- buy/sell bookings (ref §4.6, §5.1, §5.2, §6.4) ---------------------------------------------


def test_booking_insert_201_empty_and_bumps_number(octo, state):
    answer = octo.post_booking(sale(), [{"fileName": "INV-2026-0143.pdf", "fileData": b64(PDF)}])
    assert answer.status_code == 201 and answer.content == b""
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST + 1
    [stored] = state.bookings(1001)
    key = (stored["bookyearId"], stored["journalKey"], stored["documentSequenceNr"])
    assert key == (2, "V1", V1_LAST + 1)
    assert stored["booking"]["reference"] == "+++090/9337/55493+++"
    assert stored["attachments"] == [{"fileName": "INV-2026-0143.pdf", "data": PDF}]
    assert octo.post_booking(sale(V1_LAST + 2)).status_code == 201


def test_booking_created_body_when_configured(octo, state):
    state.created_body = True
    answer = octo.post_booking(sale(amount=121))
    assert answer.status_code == 201
    assert answer.json()["documentSequenceNr"] == V1_LAST + 1
    assert '"amount": 121.0' in answer.text


def test_illegal_document_number_is_minus_13_with_exact_text(octo):
    answer = octo.post_booking(sale(1))
    assert answer.status_code == 400
    body = answer.json()
    assert body["errorCode"] == -13
    assert body["technicalInfo"] == (
        "Unable to insert booking in dossier 1001.  Illegal document seq "
        f"Nr.  Last Document = {V1_LAST}.  New Document = 1. "
    )
    assert octo.post_booking(sale()).status_code == 201
    replay = octo.post_booking(sale())  # the same number again: the de-facto duplicate guard
    assert replay.json()["errorCode"] == -13
    assert f"Last Document = {V1_LAST + 1}." in replay.json()["technicalInfo"]


def test_concurrent_inserts_one_wins(octo):
    octo.dossier_token()
    results = []
    threads = [threading.Thread(target=lambda: results.append(octo.post_booking(sale()).status_code)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201, 400, 400, 400]


@pytest.mark.parametrize(
    "overrides,code",
    [
        ({"bookyearPeriodeNr": 1}, -14),
        ({"relationIdentificationServiceData": {"externalRelationId": 123456}}, -16),
        ({"relationIdentificationServiceData": {}}, -16),
        ({"bookingLines": [line(accountKey=799999)]}, -21),
        ({"bookingLines": [line(vatCodeKey="Z9")]}, -22),
        ({"bookingLines": [line(vatAmount=-21.0)], "amount": 79.0}, -23),
        ({"amount": 120.0}, -23),
        ({"journalKey": "V9"}, -10),
        ({"journalKey": "F1"}, -38),
        ({"journalKey": "V2", "documentSequenceNr": 1}, -29),
        ({"bookyearKey": {"id": 42}}, -9),
    ],
)
def test_booking_refusals(octo, overrides, code):
    answer = octo.post_booking(sale(**overrides))
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == code
    assert set(answer.json()) == {"errorCode", "errorMessage", "technicalInfo"}
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST


def test_unknown_period_text(octo):
    answer = octo.post_booking(sale(bookyearPeriodeNr=5))
    assert answer.json()["technicalInfo"] == "Unable to insert booking in dossier 1001.  Bookyear period unknown"


def test_amount_tolerance_and_relation_by_external_id(octo):
    octo.call(
        "PUT",
        "/relations",
        json={"currencyCode": "EUR", "name": "Ext", "relationIdentificationServiceData": {"externalRelationId": 77}},
    )
    booking = sale(amount=121.004, relationIdentificationServiceData={"externalRelationId": 77})
    assert octo.post_booking(booking).status_code == 201


def test_period_protected_or_closed_is_minus_15(octo, state):
    state.protect_period(1001, 2, "V1", 202605)
    protected = octo.post_booking(sale())
    assert protected.status_code == 400 and protected.json()["errorCode"] == -15
    assert octo.journal("V1")["protectedPeriod"] == 202605
    june = sale(bookyearPeriodeNr=202606, documentDate="2026-06-01")
    assert octo.post_booking(june).status_code == 201
    state.protect_period(1001, 2, "V1", 202606, closed=True)
    assert octo.journal("V1")["closedPeriod"] == 202606
    assert octo.post_booking(sale(V1_LAST + 2, bookyearPeriodeNr=202606)).json()["errorCode"] == -15


@pytest.mark.parametrize("lock_code", [-12, -11])
def test_locked_journal_is_403(octo, state, lock_code):
    state.lock_error_code = lock_code
    state.lock(1001, "V1")
    answer = octo.post_booking(sale())
    assert answer.status_code == 403
    assert answer.json()["errorCode"] == lock_code
    assert answer.json()["errorMessage"] == LOCK_MESSAGE_NL
    assert octo.journal("V1")["closed"] is False  # a lock is not visible in the journal list
    purchase = sale(
        journalKey="A1", documentSequenceNr=A1_LAST + 1, bookingLines=[line(accountKey=604000, vatCodeKey="D21")]
    )
    assert octo.post_booking(purchase).status_code == 201
    state.unlock(1001, "V1")
    assert octo.post_booking(sale()).status_code == 201


def test_lock_every_journal_of_a_dossier(octo, state):
    state.lock(1001)
    assert octo.post_booking(sale()).status_code == 403
    assert (
        octo.call("POST", "/financialdiversbookings", json={"financialDiversBookingServiceData": bank()}).status_code
        == 403
    )


def test_closed_journal_and_closed_bookyear_are_403_minus_11(octo, state):
    state.close(1001, 2, "V1")
    answer = octo.post_booking(sale())
    assert answer.status_code == 403 and answer.json()["errorCode"] == -11
    assert octo.journal("V1")["closed"] is True
    old_year = sale(188, bookyearKey={"id": 1}, bookyearPeriodeNr=202505, documentDate="2025-05-14")
    closed_year = octo.post_booking(old_year)
    assert closed_year.status_code == 403 and closed_year.json()["errorCode"] == -11
    state.close(1001, 2)
    assert octo.post_booking(sale(journalKey="A1", documentSequenceNr=A1_LAST + 1)).status_code == 403


def test_credit_note_negative_total_positive_lines(octo):
    assert octo.post_booking(sale(amount=-121.0)).status_code == 201
    negative_lines = sale(V1_LAST + 2, amount=-121.0, bookingLines=[line(baseAmount=-100.0, vatAmount=-21.0)])
    answer = octo.post_booking(negative_lines)
    assert answer.status_code == 400 and answer.json()["errorCode"] == -23


def test_booking_shape_errors(octo):
    missing = sale()
    del missing["expiryDate"]
    answer = octo.post_booking(missing)
    assert answer.status_code == 400
    assert answer.json() == {"technicalInfo": "Invalid or missing parameters passed"}
    assert octo.call("POST", "/buysellbookings", json=sale()).status_code == 400  # not wrapped
    bad_date = octo.post_booking(sale(documentDate="14/05/2026"))
    assert bad_date.status_code == 500
    bad_file = octo.post_booking(sale(), [{"fileName": "x.pdf", "fileData": "not base64!"}])
    assert bad_file.status_code == 500
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST


def test_get_booking_by_number(octo):
    octo.post_booking(sale())
    params = {"bookyearId": 2, "journalKey": "V1", "documentSeqNr": V1_LAST + 1}
    answer = octo.call("GET", "/buysellbookings", params=params)
    assert answer.status_code == 200
    assert answer.json()["comment"] == "INV/2026/0143" and '"amount": 121.0' in answer.text
    wrong = octo.call(
        "GET", "/buysellbookings", params={"bookyearKeyId": 2, "journalKey": "V1", "documentSequenceNr": V1_LAST + 1}
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"technicalInfo": "Invalid or missing parameters passed"}
    missing = octo.call("GET", "/buysellbookings", params=dict(params, documentSeqNr=1))
    assert missing.status_code == 404
    assert missing.json()["errorMessage"] == "Boeking niet gevonden"
    assert set(missing.json()) == {"errorCode", "errorMessage", "technicalInfo"}


def test_put_booking_replaces_content(octo, state):
    octo.post_booking(sale())
    changed = sale(comment="corrected")
    answer = octo.call("PUT", "/buysellbookings", json=changed)
    assert answer.status_code == 204
    assert state.bookings(1001)[0]["booking"]["comment"] == "corrected"
    assert octo.call("PUT", "/buysellbookings", json=sale(1)).status_code == 404
    state.lock(1001, "V1")
    assert octo.call("PUT", "/buysellbookings", json=changed).status_code == 403


def test_modified_bookings(octo, state):
    before = "2000-01-01 00:00:00.000"
    params = {"bookyearId": -1, "modifiedTimeStamp": before}
    assert octo.call("GET", "/buysellbookings/modified", params=params).status_code == 404
    octo.post_booking(sale())
    typed = state.book_directly(1001, 2, "A1")
    assert typed["documentSequenceNr"] == A1_LAST + 1 and typed["enteredBy"] == "octopus"
    everything = octo.call("GET", "/buysellbookings/modified", params=params)
    assert everything.status_code == 200
    assert [(b["journalKey"], b["documentSequenceNr"]) for b in everything.json()] == [
        ("V1", V1_LAST + 1),
        ("A1", A1_LAST + 1),
    ]
    only_a1 = octo.call("GET", "/buysellbookings/modified", params=dict(params, journalKey="A1", bookyearId=2))
    assert [b["journalKey"] for b in only_a1.json()] == ["A1"]
    state.advance(5)
    later = time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime(state.now() - 1))
    assert (
        octo.call("GET", "/buysellbookings/modified", params=dict(params, modifiedTimeStamp=later)).status_code == 404
    )
    bad = octo.call("GET", "/buysellbookings/modified", params=dict(params, modifiedTimeStamp="2026-01-01"))
    assert bad.status_code == 400
    no_bookyear = octo.call("GET", "/buysellbookings/modified", params={"modifiedTimeStamp": before})
    assert no_bookyear.status_code == 400


def test_a_bill_received_by_peppol_is_listed_as_octopus_stores_it(octo, state):
    """The Peppol inbox books the supplier's bill: its relation (found by VAT number in any
    spelling), its invoice number as reference, its total; over HTTP as on the state."""
    control = octo.server.base_url + "/_sandbox/dossiers/1001/receive-by-peppol"
    body = {"bookyear": 2, "vatNr": "BE 0456 789 133", "reference": "F2026-0042", "amount": 121.0}
    received = requests.post(control, json=body, timeout=5).json()["booking"]
    assert (received["journalKey"], received["documentSequenceNr"], received["enteredBy"]) == (
        "A1",
        A1_LAST + 1,
        "peppol",
    )
    params = {"bookyearId": -1, "modifiedTimeStamp": "2000-01-01 00:00:00.000"}
    [listed] = octo.call("GET", "/buysellbookings/modified", params=params).json()
    assert (listed["reference"], listed["amount"]) == ("F2026-0042", 121.0)
    [line] = listed["bookingLines"]
    assert round(line["baseAmount"] + line["vatAmount"], 2) == 121.0
    supplier = next(r for r in state.dossiers[1001].relations if r["vatNr"] == "BE0456.789.133")
    key = supplier["relationIdentificationServiceData"]["relationKey"]["id"]
    assert listed["relationIdentificationServiceData"]["relationKey"] == {"id": key}
    credit = state.receive_by_peppol(1001, 2, "BE0456.789.133", "CN-7", -50.0)
    assert credit["stored"]["amount"] == -50.0 and credit["documentSequenceNr"] == A1_LAST + 2
    unknown = requests.post(control, json=dict(body, vatNr="BE0999999999"), timeout=5)
    assert unknown.status_code == 400
    assert requests.post(control, json=dict(body, journal="V1"), timeout=5).status_code == 400


def test_book_directly_moves_the_number_on(octo, state):
    state.book_directly(1001, 2, "V1")
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST + 1
    answer = octo.post_booking(sale())
    assert answer.json()["errorCode"] == -13


# -- financial / miscellaneous bookings (ref §4.7) -------------------------------------------


def test_financial_booking_insert_and_numbering(octo, state):
    body = {
        "financialDiversBookingServiceData": bank(),
        "attachments": [{"fileName": "coda.txt", "fileData": b64(b"coda")}],
    }
    answer = octo.call("POST", "/financialdiversbookings", json=body)
    assert answer.status_code == 201 and answer.content == b""
    assert octo.journal("F1")["lastBookedDocumentNr"] == F1_LAST + 1
    [stored] = state.financial_bookings(1001)
    assert stored["attachments"] == [{"fileName": "coda.txt", "data": b"coda"}]
    assert state.bookings(1001) == []
    replay = octo.call("POST", "/financialdiversbookings", json=body)
    assert replay.status_code == 400 and replay.json()["errorCode"] == -13
    assert replay.json()["technicalInfo"] == (
        f"Unable to insert booking in dossier 1001.  Illegal document sequence nr.  Last Document : {F1_LAST + 1}"
    )
    misc = {
        "financialDiversBookingServiceData": bank(
            12,
            journalKey="D1",
            bookingLines=[
                {"type": "A", "accountKey": 612000, "amount": 100.0},
                {"type": "A", "accountKey": 444000, "amount": -100.0},
            ],
        )
    }
    assert octo.call("POST", "/financialdiversbookings", json=misc).status_code == 201
    params = {"bookyearId": 2, "journalKey": "F1", "documentSeqNr": F1_LAST + 1}
    fetched = octo.call("GET", "/financialdiversbookings", params=params)
    assert fetched.status_code == 200 and fetched.json()["bookingLines"][0]["type"] == "C"
    modified = octo.call(
        "GET",
        "/financialdiversbookings/modified",
        params={"bookyearId": -1, "modifiedTimeStamp": "2000-01-01 00:00:00.000"},
    )
    assert [b["journalKey"] for b in modified.json()] == ["F1", "D1"]


@pytest.mark.parametrize(
    "overrides,code",
    [
        ({"journalKey": "A1", "documentSequenceNr": A1_LAST + 1}, -38),
        ({"bookingLines": [{"type": "X", "amount": 1.0}]}, -25),
        ({"bookingLines": [{"type": "C", "relationId": 999, "amount": 1.0}]}, -16),
        ({"bookingLines": [{"type": "A", "accountKey": 123, "amount": 1.0}]}, -21),
        ({"bookyearPeriodeNr": 7}, -14),
    ],
)
def test_financial_booking_refusals(octo, overrides, code):
    answer = octo.call(
        "POST", "/financialdiversbookings", json={"financialDiversBookingServiceData": bank(**overrides)}
    )
    assert answer.status_code == 400 and answer.json()["errorCode"] == code


def test_financial_line_without_amount_is_400(octo):
    answer = octo.call(
        "POST",
        "/financialdiversbookings",
        json={"financialDiversBookingServiceData": bank(bookingLines=[{"type": "A", "accountKey": 612000}])},
    )
    assert answer.status_code == 400 and "errorCode" not in answer.json()


# -- attachments afterwards (ref §4.8) -----------------------------------------------------


def test_attachment_upload_with_odd_header_name(octo, state):
    octo.post_booking(sale())
    headers = {"journalKey": "V1", "documentSequennceNr": str(V1_LAST + 1)}
    answer = octo.call(
        "POST",
        "/bookyears/2/bookings/attachements",
        headers=headers,
        json={"fileName": "late.pdf", "fileData": b64(PDF)},
    )
    assert answer.status_code == 204
    assert state.bookings(1001)[0]["attachments"] == [{"fileName": "late.pdf", "data": PDF}]
    correct_spelling = octo.call(
        "POST",
        "/bookyears/2/bookings/attachements",
        headers={"journalKey": "V1", "documentSequenceNr": str(V1_LAST + 1)},
        json={"fileName": "late.pdf", "fileData": b64(PDF)},
    )
    assert correct_spelling.status_code == 400
    unknown = octo.call(
        "POST",
        "/bookyears/2/bookings/attachements",
        headers=dict(headers, documentSequennceNr="1"),
        json={"fileName": "late.pdf", "fileData": b64(PDF)},
    )
    assert unknown.status_code == 404


# -- daily limits (ref §5.8, ARCHITECTURE.md §1) ----------------------------------------------


def test_daily_limit_answers_429_per_dossier_per_day(octo, state):
    params = {"bookyearId": 2}
    assert [octo.call("GET", "/accounts", params=params).status_code for _ in range(2)] == [200, 200]
    over = octo.call("GET", "/accounts", params=params)
    assert over.status_code == 429
    assert over.json() == {
        "errorCode": -80,
        "errorMessage": "Maximum aantal oproepen per dag bereikt",
        "technicalInfo": "Maximum allowed calls per day reached (2) for GET /accounts",
    }
    assert octo.call("GET", "/accounts", 1002, params=params).status_code == 200  # other dossier
    state.advance(86400)
    octo.forget_tokens()  # they expired too
    assert octo.call("GET", "/accounts", params=params).status_code == 200  # a new day


def test_daily_limits_filtered_relations_and_switches(octo, state):
    assert octo.call("GET", "/relations").status_code == 200
    assert octo.call("GET", "/relations").status_code == 200
    assert octo.call("GET", "/relations").status_code == 429
    assert octo.call("GET", "/relations", params={"relationId": 1}).status_code == 200  # own budget
    state.enforce_limits = False
    assert octo.call("GET", "/relations").status_code == 200
    state.enforce_limits = True
    state.set_limit("POST /buysellbookings", 1)
    assert octo.post_booking(sale()).status_code == 201
    assert octo.post_booking(sale(V1_LAST + 2)).status_code == 429


def test_authentication_is_never_limited(octo, state):
    for operation in list(state.limits):
        state.set_limit(operation, 0)
    assert all(octo.login().status_code == 200 for _ in range(5))
    answer = requests.get(f"{octo.url}/dossiers", headers={"Token": octo.token()}, timeout=5)
    assert answer.status_code == 429


# -- faults, latency, counters (ARCHITECTURE.md §1) -----------------------------------------


def test_fault_5xx_is_not_processed(octo, state):
    octo.dossier_token()
    state.inject_fault("5xx", path="buysellbookings")
    assert octo.call("GET", "/bookyears").status_code == 200  # path filter: not this call
    assert octo.post_booking(sale()).status_code == 503
    assert state.bookings(1001) == []
    assert octo.post_booking(sale()).status_code == 201  # used up


def test_fault_timeout_answers_504_late_and_unprocessed(octo, state):
    octo.dossier_token()
    state.timeout_seconds = 0.3
    state.inject_fault("timeout", count=2)
    start = time.monotonic()
    answer = octo.post_booking(sale())
    assert answer.status_code == 504 and time.monotonic() - start >= 0.3
    with pytest.raises(requests.Timeout):
        octo.post_booking(sale(), timeout=0.1)
    time.sleep(0.3)
    assert state.bookings(1001) == []
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST


def test_fault_drop_closes_without_processing(octo, state):
    octo.dossier_token()
    state.inject_fault("drop")
    with pytest.raises(requests.ConnectionError):
        octo.post_booking(sale())
    assert state.bookings(1001) == []
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST


def test_fault_drop_after_commit_stores_the_booking(octo, state):
    octo.dossier_token()
    state.inject_fault("drop_after_commit", path="/buysellbookings")
    with pytest.raises(requests.ConnectionError):
        octo.post_booking(sale())
    assert len(state.bookings(1001)) == 1
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST + 1
    assert octo.post_booking(sale()).json()["errorCode"] == -13  # a blind resend is refused


def test_fault_kind_is_checked(state):
    with pytest.raises(ValueError):
        state.inject_fault("meteor")


def test_latency(octo, state):
    octo.dossier_token()
    state.latency_ms = 150
    start = time.monotonic()
    assert octo.call("GET", "/vatcodes").status_code == 200
    assert time.monotonic() - start >= 0.15


def test_call_counters_by_template_and_dossier(octo, state):
    octo.post_booking(sale())
    octo.call("GET", "/bookyears/2/journals")
    octo.call("GET", "/bookyears/2/journals", 1002)
    assert state.call_counts["POST /authentication"] == 2
    assert state.call_counts["POST /dossiers"] == 2
    assert state.call_counts["POST /dossiers/{dossierId}/buysellbookings"] == 1
    assert state.call_counts["GET /dossiers/{dossierId}/bookyears/{bookyearId}/journals"] == 2
    assert state.calls_by_dossier[1002] == {
        "POST /dossiers": 1,
        "GET /dossiers/{dossierId}/bookyears/{bookyearId}/journals": 1,
    }


def test_unknown_paths_are_404(octo):
    answer = requests.get(f"{octo.url}/nothing/here", timeout=5)
    assert answer.status_code == 404
    assert set(answer.json()) == {"errorCode", "errorMessage", "technicalInfo"}
    assert requests.get(f"{octo.server.base_url}/elsewhere", timeout=5).status_code == 404
    assert requests.delete(f"{octo.url}/dossiers", timeout=5).status_code == 405


# -- control surface over HTTP --------------------------------------------------------------


def test_control_surface_over_http(octo, state):
    control = octo.server.base_url + "/_sandbox"

    def post(path, body=None):
        answer = requests.post(control + path, json=body or {}, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    post("/lock", {"dossier": 1001, "journal": "V1", "bookyear": 2})
    assert state.dossiers[1001].bookyears[2].journals["V1"].locked
    assert not state.dossiers[1001].bookyears[1].journals["V1"].locked
    post("/unlock", {"dossier": 1001})
    assert not state.dossiers[1001].bookyears[2].journals["V1"].locked
    post("/config", {"lock_error_code": -11, "created_body": True, "timeout_seconds": 0.2})
    assert (state.lock_error_code, state.created_body, state.timeout_seconds) == (-11, True, 0.2)
    assert requests.post(control + "/config", json={"lock_error_code": -5}, timeout=5).status_code == 400
    post("/protect-period", {"dossier": 1001, "bookyear": 2, "journal": "A1", "period": 202603})
    assert octo.journal("A1")["protectedPeriod"] == 202603
    post("/close", {"dossier": 1001, "bookyear": 2, "journal": "D1"})
    assert octo.journal("D1")["closed"] is True
    assert post("/faults", {"kind": "5xx", "count": 2, "path": "vatcodes"})["pending"] == [
        {"kind": "5xx", "count": 2, "path": "vatcodes"}
    ]
    assert octo.call("GET", "/vatcodes").status_code == 503
    post("/latency", {"ms": 0})
    post("/limits", {"enforce": False, "limits": {"GET /vatcodes": 1}})
    assert state.enforce_limits is False and state.limits["GET /vatcodes"] == 1
    calls = requests.get(control + "/calls", timeout=5).json()
    assert calls["call_counts"]["GET /dossiers/{dossierId}/vatcodes"] == 1
    assert "1001" in calls["calls_by_dossier"]
    typed = post("/dossiers/1001/book-directly", {"bookyear": 2, "journal": "V1"})["booking"]
    assert typed["documentSequenceNr"] == V1_LAST + 1
    octo.post_booking(sale(V1_LAST + 2), [{"fileName": "x.pdf", "fileData": b64(PDF)}])
    listed = requests.get(control + "/dossiers/1001/bookings", timeout=5).json()
    assert [b["documentSequenceNr"] for b in listed["bookings"]] == [V1_LAST + 1, V1_LAST + 2]
    assert listed["bookings"][1]["attachments"] == [{"fileName": "x.pdf", "fileData": b64(PDF), "size": len(PDF)}]
    assert listed["financialBookings"] == []
    post("/expire-tokens")
    assert octo.call("GET", "/bookyears").status_code == 401
    post("/advance", {"seconds": 60})
    overview = requests.get(control + "/overview", timeout=5).json()
    assert overview["dossiers"][0]["bookyears"][1]["journals"][0]["key"] == "A1"
    assert overview["bookings"][0]["documentSequenceNr"] == V1_LAST + 2
    post("/reset")
    assert state.bookings(1001) == [] and state.lock_error_code == -12 and state.enforce_limits
    assert requests.post(control + "/lock", json={"dossier": 9}, timeout=5).status_code == 400
    assert requests.post(control + "/nope", timeout=5).status_code == 404


def test_control_reset_with_a_new_seed(octo, state):
    seed = {
        "users": [{"user": "u@B1", "password": "p", "softwareHouseUuid": UUID, "dossiers": [7]}],
        "dossiers": [
            {
                "id": 7,
                "description": "Tiny",
                "vatNr": "BE0477.472.701",
                "bookyears": [
                    {"id": 1, "description": "2026", "start": "2026-04-01", "end": "2027-03-31", "closed": False}
                ],
                "journals": [{"key": "V1", "name": "Sales", "lastBookedDocumentNr": 5}],
            }
        ],
    }
    answer = requests.post(octo.server.base_url + "/_sandbox/reset", json={"seed": seed}, timeout=5)
    assert answer.status_code == 200
    assert octo.login().status_code == 401
    assert octo.login("u@B1", "p").status_code == 200
    assert sorted(state.dossiers) == [7]
    periods = state.dossiers[7].bookyears[1].periods
    numbers = [p["bookyearPeriod"] for p in periods]
    assert (numbers[0], numbers[-1], len(numbers)) == (202604, 202703, 12)


def test_control_page_is_html(octo):
    answer = requests.get(octo.server.base_url + "/_sandbox/", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "Lock" in answer.text and "/_sandbox/overview" in answer.text


# -- standalone use ---------------------------------------------------------------------------


def test_server_context_manager_and_own_seed(tmp_path):
    with SandboxServer(port=0) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/octopus-rest-api/v1"
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert Octopus(server).login().status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/dossiers", timeout=2)


def test_command_line_serves_the_demo(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", str(port), "--seed", "sandbox/seed/demo.json", "--quiet"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        url = f"http://127.0.0.1:{port}/octopus-rest-api/v1"
        assert line == f"Octopus sandbox listening on {url}"
        answer = requests.post(  # what `curl -d '{"user":...}' -H ...` sends
            url + "/authentication",
            data=json.dumps({"user": USER, "password": PASSWORD}),
            headers={"softwareHouseUuid": UUID, "Content-Type": "application/json"},
            timeout=5,
        )
        assert answer.status_code == 200 and "token" in answer.json()
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()
