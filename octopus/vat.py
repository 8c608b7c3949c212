"""VAT number helpers: one canonical key for comparing, and the format Octopus stores.

Cleaning and check digits come from python-stdnum (which Odoo itself depends on). Only Octopus'
display format is written here: Octopus stores Belgian numbers as "BE0477.472.701" and Dutch ones
as "NL1633.92.705 B01" (ref §4.5, §5.3, recorded relation lists), and its `vatNr` search matches
that stored text, so a search must send it. For other countries no stored value was recorded;
they are sent compact ("DE129273398"), the way the one recorded German-style value reads.
"""

from __future__ import annotations

from stdnum import be, nl
from stdnum.util import clean

_SEPARATORS = " -./,:"


def normalize_vat(value: str | None, default_country: str | None = "BE") -> str | None:
    """Canonical key: country prefix + number, no separators (e.g. "BE0477472701").

    A number without prefix gets `default_country`. Belgian numbers of 9 digits get their
    leading 0 (stdnum's own compact form). Returns None when nothing usable is left or a
    Belgian number is not 10 digits.
    """
    compact = clean(value or "", _SEPARATORS).upper().strip()
    if len(compact) < 2:
        return None
    if not compact[:2].isalpha():
        if not default_country:
            return None
        compact = default_country.upper() + compact
    country, number = compact[:2], compact[2:]
    if not number:
        return None
    if country == "BE":
        number = be.vat.compact(number)
        if len(number) != 10 or not number.isdigit():
            return None
    return country + number


def is_valid_be_vat(key: str | None) -> bool:
    """True for a Belgian number whose check digits match."""
    key = normalize_vat(key)
    return bool(key) and key.startswith("BE") and be.vat.is_valid(key)


def to_octopus_format(key: str | None) -> str | None:
    """The text Octopus stores and searches: "BE0477.472.701", "NL1633.92.705 B01"; other
    countries compact ("DE129273398"). A Dutch number stdnum does not recognise stays compact."""
    key = normalize_vat(key)
    if not key:
        return None
    country, number = key[:2], key[2:]
    if country == "BE":
        return f"BE{number[:4]}.{number[4:7]}.{number[7:]}"
    if country == "NL" and nl.vat.is_valid(key):
        return f"NL{number[:4]}.{number[4:6]}.{number[6:9]} {number[9:]}"
    return key


def same_vat(a: str | None, b: str | None) -> bool:
    """True when both numbers are usable and equal once normalised."""
    key_a = normalize_vat(a)
    return key_a is not None and key_a == normalize_vat(b)
