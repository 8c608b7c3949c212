"""Cost centres (ref §4.3 costCentreType, §4.6 costCentreKey, §4.11 /costcentres, -40 / -41):
the sandbox's answers, the client's calls and the split of an amount over an analytic distribution."""

import pytest
from test_sandbox import V1_LAST, line, octo, sale, state  # noqa: F401 (fixtures)
from test_sandbox_fidelity import dossier  # noqa: F401 (fixture)

from octopus import errors
from octopus.booking import BaseLine, build_buysell_booking, fingerprint, group_lines, split_by_percentages

PURCHASE_LINE = {"accountKey": 613000, "baseAmount": 100.0, "vatCodeKey": "21", "vatAmount": 21.0}


def test_cost_centres_are_listed_all_or_active_only(dossier, state):
    every = dossier.get_cost_centres()
    assert [c["costCentreKey"]["id"] for c in every] == [1, 2, 3, 4]
    assert every[3]["closed"] is True and every[3]["description"]["description_NL"] == "Project Noord"
    assert [c["costCentreKey"]["id"] for c in dossier.get_active_cost_centres()] == [1, 2, 3]
    assert state.call_counts["GET /dossiers/{dossierId}/costcentres"] == 1


def test_no_cost_centres_is_a_404_and_an_empty_list_for_the_client(octo, dossier, state):
    state.dossiers[1001].cost_centres = {}
    answer = octo.call("GET", "/costcentres")
    assert answer.status_code == 404 and answer.json()["errorCode"] == -45
    assert dossier.get_cost_centres() == [] and dossier.get_active_cost_centres() == []


def test_cost_centre_reads_stop_at_two_a_day(dossier, state):
    state.enforce_limits = True
    dossier.get_cost_centres()
    dossier.get_cost_centres()
    with pytest.raises(errors.DailyLimitReached):
        dossier.get_cost_centres()


def test_put_creates_then_updates_the_same_key(octo, dossier, state):
    body = {"costCentreKey": {"id": 7}, "description": {"description_NL": "Oost"}, "closed": False}
    assert octo.call("PUT", "/costcentres", json=body).status_code == 201
    assert octo.call("PUT", "/costcentres", json=dict(body, closed=True)).status_code == 204
    dossier.put_cost_centre(8, "West")
    centres = state.dossiers[1001].cost_centres
    assert centres[7]["closed"] is True and len(centres) == 6
    assert centres[8]["description"]["description_FR"] == "West"


@pytest.mark.parametrize(
    "body,status",
    [
        ({"costCentreKey": {"id": 7}, "closed": False}, 400),  # description is required
        ({"costCentreKey": {"id": "7"}, "description": {}, "closed": False}, 500),
        ({"costCentreKey": {"id": 0}, "description": {}, "closed": False}, 400),
    ],
)
def test_put_refuses_what_it_cannot_store(octo, state, body, status):
    answer = octo.call("PUT", "/costcentres", json=body)
    assert answer.status_code == status
    assert len(state.dossiers[1001].cost_centres) == 4, "nothing stored"


def test_a_line_with_a_known_cost_centre_is_stored_with_it(dossier, state):
    dossier.insert_buysell_booking(sale(bookingLines=[line(costCentreKey={"id": 2})]))
    stored = state.bookings(1001)[-1]["stored"]
    assert stored["bookingLines"][0]["costCentreKey"] == {"id": 2}


@pytest.mark.parametrize("key,refusal,code", [(99, errors.UnknownCostCentre, -40), (4, errors.CostCentreClosed, -41)])
def test_unknown_or_closed_cost_centre_is_refused(dossier, state, key, refusal, code):
    with pytest.raises(refusal) as refused:
        dossier.insert_buysell_booking(sale(bookingLines=[line(costCentreKey={"id": key})]))
    assert refused.value.error_code == code
    assert state.bookings(1001) == [], "nothing stored"


def test_a_mandatory_cost_centre_account_refuses_a_line_without_one(dossier, state):
    with pytest.raises(errors.UnknownCostCentre) as refused:
        dossier.insert_buysell_booking(sale(bookingLines=[dict(PURCHASE_LINE)]))
    assert "requires a cost centre" in refused.value.technical_info
    dossier.insert_buysell_booking(sale(bookingLines=[dict(PURCHASE_LINE, costCentreKey={"id": 1})]))
    assert len(state.bookings(1001)) == 1


def test_strict_mode_accepts_cost_centre_key_and_refuses_a_misspelling(dossier, state):
    state.strict = True
    dossier.insert_buysell_booking(sale(bookingLines=[line(costCentreKey={"id": 3})]))
    with pytest.raises(errors.InvalidElements):
        dossier.insert_buysell_booking(sale(V1_LAST + 2, bookingLines=[line(costCenterKey={"id": 3})]))
    with pytest.raises(errors.InvalidElements):
        dossier.put_cost_centre(9, {"description_XX": "Zuid"})


# -- the split ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cents,parts,expected",
    [
        (10000, [(1, 60), (2, 40)], [(1, 6000), (2, 4000)]),
        # 3333.67 + 3333.67 + 3333.67: each rounds up, one cent too many, taken off the (first) largest
        (10001, [(1, 33.3333), (2, 33.3333), (3, 33.3334)], [(1, 3333), (2, 3334), (3, 3334)]),
        (10001, [(1, 33.33), (2, 33.33), (3, 33.34)], [(1, 3333), (2, 3333), (3, 3335)]),
        (10000, [(1, 50)], [(1, 5000), (0, 5000)]),  # the rest has no cost centre
        (-999, [(1, 50), (2, 50)], [(1, -499), (2, -500)]),
        (100, [], [(0, 100)]),
    ],
)
def test_split_rounds_each_part_to_the_cent_and_puts_the_rest_on_the_largest(cents, parts, expected):
    split = split_by_percentages(cents, parts)
    assert split == expected
    assert sum(share for _key, share in split) == cents


def test_split_lines_keep_odoo_base_and_vat_to_the_cent():
    bases = [
        BaseLine(613000, "D21", share, "Fees", key) for key, share in split_by_percentages(10001, [(1, 50), (2, 50)])
    ]
    lines = group_lines(bases, {"D21": 2100}, 12101)
    assert [(ln.cost_centre, ln.base_cents, ln.vat_cents) for ln in lines] == [(1, 5000, 1050), (2, 5001, 1050)]
    assert sum(ln.base_cents for ln in lines) == 10001 and sum(ln.vat_cents for ln in lines) == 2100
    assert lines[0].as_json()["costCentreKey"] == {"id": 1}
    assert "costCentreKey" not in group_lines([BaseLine(700000, "21", 500)], {}, 500)[0].as_json()


def test_fingerprint_adds_the_cost_centre_parts_of_an_account_together():
    whole = {
        "amount": 121.0,
        "bookingLines": [{"accountKey": 700000, "vatCodeKey": "21", "baseAmount": 100.0, "vatAmount": 21.0}],
    }
    split = {
        "amount": 121.0,
        "bookingLines": [
            {
                "accountKey": 700000,
                "vatCodeKey": "21",
                "baseAmount": 60.0,
                "vatAmount": 12.6,
                "costCentreKey": {"id": 1},
            },
            {
                "accountKey": 700000,
                "vatCodeKey": "21",
                "baseAmount": 40.0,
                "vatAmount": 8.4,
                "costCentreKey": {"id": 2},
            },
        ],
    }
    assert fingerprint(whole) == fingerprint(split)


def test_built_booking_carries_cost_centre_keys():
    from octopus.booking import BookingInput

    data = BookingInput(
        bookyear_id=2,
        period=202605,
        journal_key="A1",
        document_nr=159,
        relation={"relationKey": {"id": 2}},
        document_date="2026-05-14",
        expiry_date="2026-06-13",
        total_cents=12100,
        refund=False,
        reference="BILL/1",
        comment="BILL/1",
        lines=(BaseLine(613000, "D21", 7000, "Fees", 1), BaseLine(613000, "D21", 3000, "Fees", 3)),
        vat_cents={"D21": 2100},
    )
    lines = build_buysell_booking(data)["bookingLines"]
    assert [(ln["costCentreKey"]["id"], ln["baseAmount"], ln["vatAmount"]) for ln in lines] == [
        (1, 70.0, 14.7),
        (3, 30.0, 6.3),
    ]
