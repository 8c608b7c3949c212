"""The sandbox answers as the real Octopus did in recorded traffic (issue 17), and the client reads
those answers right: check order, list shapes, stored VAT format, refusals, strict mode, language."""

from datetime import datetime, timezone

import pytest
import requests
from test_sandbox import F1_LAST, PASSWORD, USER, UUID, V1_LAST, bank, octo, sale, state  # noqa: F401 (fixtures)

from octopus import OctopusClient, errors
from sandbox import DEFAULT_SEED
from sandbox.loader import read_seed

ALWAYS_LISTED = {
    "bankAccountNr",
    "bicCode",
    "contactPerson",
    "firstName",
    "ibanAccountNr",
    "remarks",
    "searchField1",
    "searchField2",
}
LEFT_OUT_WHEN_EMPTY = {"email", "fax", "mobile", "telephone", "url"}


@pytest.fixture
def dossier(sandbox_server):
    return OctopusClient(sandbox_server.url, USER, PASSWORD, UUID, timeout=5, backoff=0).dossier(1001)


# -- check order ----------------------------------------------------------------------------


def test_a_wrong_number_is_reported_before_a_wrong_period(octo):
    both_wrong = octo.post_booking(sale(V1_LAST + 5, bookyearPeriodeNr=1))
    assert both_wrong.status_code == 400 and both_wrong.json()["errorCode"] == -13
    bank_both_wrong = octo.call(
        "POST",
        "/financialdiversbookings",
        json={"financialDiversBookingServiceData": bank(F1_LAST + 5, bookyearPeriodeNr=1)},
    )
    assert bank_both_wrong.status_code == 400 and bank_both_wrong.json()["errorCode"] == -13
    only_period = octo.post_booking(sale(bookyearPeriodeNr=1))
    assert only_period.status_code == 400 and only_period.json()["errorCode"] == -14


def test_client_names_the_number_when_both_are_wrong(dossier):
    with pytest.raises(errors.IllegalDocumentNumber) as refused:
        dossier.insert_buysell_booking(sale(V1_LAST + 5, bookyearPeriodeNr=1))
    assert refused.value.last_document_nr == V1_LAST


# -- relation lists ---------------------------------------------------------------------------


def test_relation_lists_carry_the_fields_octopus_lists(octo):
    relations = {
        r["relationIdentificationServiceData"]["relationKey"]["id"]: r
        for r in octo.call("GET", "/relations", params={"name": "B"}).json()
    }
    for relation in relations.values():
        assert ALWAYS_LISTED <= set(relation)
        assert all(relation[name] for name in LEFT_OUT_WHEN_EMPTY & set(relation)), "no empty ones"
    assert relations[1]["email"] == "info@bakkerij-peeters.be" and relations[1]["firstName"] == ""
    assert not LEFT_OUT_WHEN_EMPTY & set(relations[2])  # the printer has none of them


def test_modified_relations_are_listed_the_same_way_but_the_create_answer_is_not(octo):
    created = octo.call(
        "PUT",
        "/relations",
        json={
            "currencyCode": "EUR",
            "relationIdentificationServiceData": {"externalRelationId": 99999},
            "name": "Test BV",
            "client": True,
        },
    ).json()
    assert created["email"] == "" and created["fax"] == "" and "firstName" not in created
    listed = octo.call("GET", "/relations/modified", params={"modifiedTimeStamp": "2000-01-01 00:00:00.000"}).json()[
        "modified"
    ]
    assert len(listed) == 1 and ALWAYS_LISTED <= set(listed[0])
    assert not LEFT_OUT_WHEN_EMPTY & set(listed[0])


# -- bookings read back as stored ------------------------------------------------------------


def test_a_sale_reads_back_with_payment_method_and_both_relation_keys(octo, dossier, state):
    octo.call(
        "PUT",
        "/relations",
        json={
            "currencyCode": "EUR",
            "relationIdentificationServiceData": {"externalRelationId": 4711},
            "name": "Frituur De Hoek BV",
            "client": True,
        },
    )
    sent = sale(relationIdentificationServiceData={"externalRelationId": 4711})
    del sent["paymentMethod"]
    dossier.insert_buysell_booking(sent)
    stored = dossier.get_buysell_booking(2, "V1", V1_LAST + 1)
    listed = dossier.modified_buysell_bookings(2, "V1", _long_ago())[-1]
    record = state.bookings(1001)[-1]
    for booking in (stored, listed, record["stored"]):
        assert booking["paymentMethod"] == 0
        assert booking["relationIdentificationServiceData"] == {"externalRelationId": 4711, "relationKey": {"id": 9}}
    assert record["booking"]["relationIdentificationServiceData"] == {"externalRelationId": 4711}
    assert "paymentMethod" not in record["booking"]  # what the addon sent, for its own tests


def test_financial_lines_read_back_with_every_key_zero_when_unused(dossier):
    dossier.insert_financial_booking(bank())
    lines = dossier.modified_financial_bookings(2, "F1", _long_ago())[-1]["bookingLines"]
    assert [(ln["type"], ln["accountKey"], ln["externalRelationId"], ln["relationId"]) for ln in lines] == [
        ("C", 0, 0, 1),
        ("S", 0, 0, 2),
        ("A", 657000, 0, 0),
    ]


# -- VAT numbers in Octopus' own format -------------------------------------------------------


@pytest.mark.parametrize("odoo_vat, relation_id", [("BE0412345614", 1), ("NL853746333B01", 5)])
def test_client_searches_with_the_stored_format(dossier, state, odoo_vat, relation_id):
    found = dossier.find_relations(vat_nr=odoo_vat)
    assert [r["relationIdentificationServiceData"]["relationKey"]["id"] for r in found] == [relation_id]


# -- refusals --------------------------------------------------------------------------------


def test_invalid_elements_on_a_write_is_a_refusal_not_an_unknown_outcome(dossier, octo):
    with pytest.raises(errors.InvalidElements) as refused:
        dossier.insert_buysell_booking(sale(documentDate="14/05/2026"))
    assert isinstance(refused.value, errors.BookingRefused)
    assert not isinstance(refused.value, errors.OutcomeUnknown)
    assert "wrong type or format" in str(refused.value)
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST  # nothing stored


def test_a_lost_reply_is_still_an_unknown_outcome(dossier, state):
    state.inject_fault("5xx", path="/buysellbookings")
    with pytest.raises(errors.OutcomeUnknown):
        dossier.insert_buysell_booking(sale())


# -- strict mode -----------------------------------------------------------------------------


def test_strict_mode_refuses_a_misspelled_field(dossier, octo, state):
    misspelled = dict(sale(), bookyearPeriodNr=202605)
    state.strict = True
    with pytest.raises(errors.InvalidElements) as refused:
        dossier.insert_buysell_booking(misspelled)
    assert "buySellBookingServiceData.bookyearPeriodNr" in str(refused.value)
    line_typo = sale(
        bookingLines=[
            {"accountKey": 700000, "baseAmount": 100.0, "vatCode": "21", "vatAmount": 21.0, "vatCodeKey": "21"}
        ]
    )
    answer = octo.post_booking(line_typo)
    assert answer.status_code == 500 and "bookingLines[0].vatCode" in answer.json()["technicalInfo"]
    relation = octo.call(
        "PUT",
        "/relations",
        json={"currencyCode": "EUR", "relationIdentificationServiceData": {}, "name": "X", "vatNumber": "1"},
    )
    assert relation.status_code == 500 and "vatNumber" in relation.json()["technicalInfo"]
    assert octo.journal("V1")["lastBookedDocumentNr"] == V1_LAST
    dossier.insert_buysell_booking(sale())  # every field of the reference's example is known


def test_strict_mode_is_off_unless_switched_on(octo, state, sandbox_server):
    assert octo.post_booking(dict(sale(), bookyearPeriodNr=202605)).status_code == 201
    assert octo.post_booking(dict(sale(V1_LAST + 2), bookyearPeriodNr=1)).status_code == 201
    answer = requests.post(f"{sandbox_server.base_url}/_sandbox/config", json={"strict": True}, timeout=5)
    assert answer.json()["strict"] is True and state.strict
    state.reset(dict(read_seed(DEFAULT_SEED), strict=True))
    assert state.strict
    state.reset(read_seed(DEFAULT_SEED))
    assert not state.strict


# -- errorMessage language -------------------------------------------------------------------

NUMBER_NL = (
    "Het document nummer is ongeldig. Het document nummer dient tevens oplopend te zijn en "
    "dient opeenvolgend te zijn met het laatste document nummer van het dagboek."
)


def test_error_message_in_the_dossier_language_without_locale(octo, state):
    answer = octo.post_booking(sale(1)).json()
    assert answer["errorMessage"] == NUMBER_NL
    assert answer["technicalInfo"].startswith("Unable to insert booking in dossier 1001.")
    state.dossiers[1002].info["languageCode"] = "fr"
    french = octo.post_booking(sale(1), dossier_id=1002).json()
    assert french["errorMessage"].startswith("Le numéro de document n'est pas valable")


@pytest.mark.parametrize(
    "locale, start", [(2, "Le numéro de document"), (3, "The document number"), (1, "Het document nummer")]
)
def test_a_locale_sent_at_connect_wins(octo, locale, start):
    token = octo.connect(1001, localeId=locale).json()["Dossiertoken"]
    answer = octo.call(
        "POST", "/buysellbookings", headers={"dossierToken": token}, json={"buySellBookingServiceData": sale(1)}
    )
    assert answer.json()["errorMessage"].startswith(start)


def test_client_error_text_is_the_users_language(dossier):
    with pytest.raises(errors.UnknownPeriod) as refused:
        dossier.insert_buysell_booking(sale(bookyearPeriodeNr=1))
    assert str(refused.value) == "De periode bestaat niet in het boekjaar"


def _long_ago():
    return datetime(2000, 1, 1, tzinfo=timezone.utc)
