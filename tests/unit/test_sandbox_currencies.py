"""Foreign currencies (ref §4.6 currencyCode / exchangeRate, §4.11 GET /currencies, -19 / -20)."""

import pytest
from test_sandbox import V1_LAST, octo, sale, state  # noqa: F401 (fixtures)
from test_sandbox_fidelity import dossier  # noqa: F401 (fixture)

from octopus import errors


def test_currencies_are_listed_as_strings_and_counted(dossier, state):
    codes = dossier.get_currencies()
    assert "EUR" in codes and "USD" in codes
    assert all(isinstance(code, str) for code in codes)
    assert state.call_counts["GET /dossiers/{dossierId}/currencies"] == 1


def test_a_booking_in_dollars_is_stored_with_its_rate(dossier, state):
    dossier.insert_buysell_booking(sale(currencyCode="USD", exchangeRate=1.0823))
    stored = state.bookings(1001)[-1]["booking"]
    assert (stored["currencyCode"], stored["exchangeRate"], stored["amount"]) == ("USD", 1.0823, 121.0)


def test_unknown_currency_is_refused_with_minus_19(dossier, state):
    state.dossiers[1001].currencies = ["EUR"]
    with pytest.raises(errors.UnknownCurrency) as refused:
        dossier.insert_buysell_booking(sale(currencyCode="USD", exchangeRate=1.0823))
    assert refused.value.error_code == -19
    assert state.bookings(1001) == [], "nothing stored"


@pytest.mark.parametrize("currency,rate", [("USD", 0.0), ("USD", -1.2), ("EUR", 1.1)])
def test_impossible_rate_is_refused_with_minus_20(dossier, currency, rate):
    with pytest.raises(errors.IllegalExchangeRate):
        dossier.insert_buysell_booking(sale(currencyCode=currency, exchangeRate=rate))
