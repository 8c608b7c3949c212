"""VAT number helpers: one canonical key for comparing, and the format Octopus stores.

Octopus stores Belgian numbers as "BE0477.472.701" and foreign ones as typed (ref §5.3); Odoo
stores "BE0477472701". Whether Octopus' vatNr filter normalises is undocumented, so matches are
always confirmed client-side on the canonical key.
"""
from __future__ import annotations

import re

_NOISE = re.compile(r"[^0-9A-Z]")
_PREFIX = re.compile(r"^([A-Z]{2})(.*)$")


def normalize_vat(value: str | None, default_country: str | None = "BE") -> str | None:
    """Canonical key: country prefix + digits/letters, no separators (e.g. "BE0477472701").

    A number without prefix gets `default_country`. Belgian numbers of 9 digits get their
    leading 0. Returns None when nothing usable is left or a Belgian number is not 10 digits.
    """
    compact = _NOISE.sub("", (value or "").upper())
    if not compact:
        return None
    match = _PREFIX.match(compact)
    if match:
        country, number = match.groups()
    elif default_country:
        country, number = default_country.upper(), compact
    else:
        return None
    if not number:
        return None
    if country == "BE":
        if len(number) == 9:
            number = "0" + number
        if len(number) != 10 or not number.isdigit():
            return None
    return country + number


def is_valid_be_vat(key: str | None) -> bool:
    """True for a Belgian number whose check digits match (97 - first 8 digits mod 97)."""
    key = normalize_vat(key)
    if not key or not key.startswith("BE"):
        return False
    digits = key[2:]
    return digits[0] in "01" and 97 - int(digits[:8]) % 97 == int(digits[8:])


def to_octopus_format(key: str | None) -> str | None:
    """"BE0477.472.701" for Belgium; other countries compacted ("NL163392705B01")."""
    key = normalize_vat(key)
    if not key or not key.startswith("BE"):
        return key
    digits = key[2:]
    return f"BE{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def same_vat(a: str | None, b: str | None) -> bool:
    """True when both numbers are usable and equal once normalised."""
    key_a = normalize_vat(a)
    return key_a is not None and key_a == normalize_vat(b)
