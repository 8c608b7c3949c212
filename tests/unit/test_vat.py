"""VAT helpers: one key whatever the spelling, Octopus' stored format, Belgian check digits."""

import pytest

from octopus import vat

SPELLINGS = ["BE 0477.472.701", "be0477472701", "0477472701", "BE477472701", " BE-0477 472 701 "]


@pytest.mark.parametrize("value", SPELLINGS)
def test_spellings_share_one_key(value):
    assert vat.normalize_vat(value) == "BE0477472701"


@pytest.mark.parametrize("value", [None, "", "  ", "BE", "BE12", "BE04774727011", "BEABCDEFGHIJ"])
def test_unusable_values_give_none(value):
    assert vat.normalize_vat(value) is None


def test_foreign_numbers_are_compacted_with_their_prefix():
    assert vat.normalize_vat("NL1633.92.705 B01") == "NL163392705B01"
    assert vat.normalize_vat("163392705B01", default_country="NL") == "NL163392705B01"
    assert vat.normalize_vat("0477472701", default_country=None) is None


def test_belgian_check_digits():
    assert vat.is_valid_be_vat("BE0477472701")
    assert vat.is_valid_be_vat("BE 0895.747.092")
    assert not vat.is_valid_be_vat("BE0477472702")
    assert not vat.is_valid_be_vat("NL163392705B01")
    assert not vat.is_valid_be_vat(None)


def test_octopus_format_is_the_text_octopus_stores():
    assert vat.to_octopus_format("BE0477472701") == "BE0477.472.701"
    assert vat.to_octopus_format("be 477472701") == "BE0477.472.701"
    assert vat.to_octopus_format("NL163392705B01") == "NL1633.92.705 B01"
    assert vat.to_octopus_format("nl 1633 92 705 b01") == "NL1633.92.705 B01"
    assert vat.to_octopus_format("DE 129.273.398") == "DE129273398"
    assert vat.to_octopus_format("") is None


def test_a_dutch_number_stdnum_refuses_is_not_dressed_up():
    assert vat.to_octopus_format("NL123") == "NL123"


def test_same_vat():
    assert vat.same_vat("BE0477.472.701", "0477472701")
    assert not vat.same_vat("BE0477.472.701", "BE0895.747.092")
    assert not vat.same_vat(None, None)
    assert not vat.same_vat("", "")
