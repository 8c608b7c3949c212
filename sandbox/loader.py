"""Turns a seed (None = demo, a path, or a dict; format in seed/README.md) into model objects."""

import calendar
import copy
import datetime
import json
from pathlib import Path

from .model import Bookyear, Dossier, Journal, User
from .relations import new_relation

DEFAULT_SEED = Path(__file__).parent / "seed" / "demo.json"

DOSSIER_INFO_DEFAULTS = {
    "city": "",
    "country": "BE",
    "email": "",
    "languageCode": "nl",
    "postalCode": "",
    "streetAndNr": "",
    "url": "",
    "vatNr": "",
}
ACCOUNT_DEFAULTS = {
    "costCentreType": 0,
    "fiscProfessionalPercentage": 100.0,
    "fiscRecupPercentage": 100.0,
    "vatRecupPercentage": 100.0,
}


def read_seed(seed):
    if seed is None:
        seed = DEFAULT_SEED
    if isinstance(seed, (str, Path)):
        with open(seed, encoding="utf-8") as handle:
            return json.load(handle)
    return copy.deepcopy(seed)


def load(seed):
    """-> (users by name, dossiers by id, strict): `strict` refuses fields the API does not define."""
    data = read_seed(seed)
    users = {
        u["user"]: User(u["user"], u["password"], u["softwareHouseUuid"], set(u.get("dossiers", [])))
        for u in data.get("users", [])
    }
    dossiers = {d["id"]: _dossier(d) for d in data.get("dossiers", [])}
    return users, dossiers, bool(data.get("strict", False))


def monthly_periods(start, end):
    """Octopus numbers monthly periods YYYYMM (ref §4.1), the last one clipped to the bookyear end."""
    first = datetime.date.fromisoformat(start)
    last = datetime.date.fromisoformat(end)
    periods, year, month = [], first.year, first.month
    while datetime.date(year, month, 1) <= last:
        begin = max(first, datetime.date(year, month, 1))
        finish = min(last, datetime.date(year, month, calendar.monthrange(year, month)[1]))
        periods.append(
            {"bookyearPeriod": year * 100 + month, "startDate": begin.isoformat(), "endDate": finish.isoformat()}
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def _dossier(d):
    info = dict(DOSSIER_INFO_DEFAULTS)
    info.update(
        {
            k: v
            for k, v in d.items()
            if k
            not in (
                "id",
                "description",
                "disabled",
                "bookyears",
                "journals",
                "accounts",
                "vatcodes",
                "relations",
                "currencies",
                "costcentres",
            )
        }
    )
    info["dossierDescription"] = d.get("description", "")
    bookyears = {}
    for b in d.get("bookyears", []):
        bookyear = Bookyear(
            b["id"],
            b.get("description", b["start"][:4]),
            b["start"],
            b["end"],
            bool(b.get("closed", False)),
            copy.deepcopy(b.get("periods") or monthly_periods(b["start"], b["end"])),
        )
        bookyear.journals = {j["key"]: _journal(j, bookyear.id) for j in d.get("journals", [])}
        bookyears[bookyear.id] = bookyear
    accounts = {}
    for a in d.get("accounts", []):
        account = dict(ACCOUNT_DEFAULTS)
        account.update({k: v for k, v in a.items() if not k.startswith("description_") and k != "nr"})
        account["description"] = {
            f"description_{lang}": a.get(f"description_{lang}", "") for lang in ("NL", "FR", "EN")
        }
        accounts[int(a["nr"])] = account
    vatcodes = {}
    for v in d.get("vatcodes", []):
        code = dict(v)
        code["basePercentage"] = float(code.get("basePercentage", 0))
        vatcodes[code["code"]] = code
    relations = [_relation(r, index) for index, r in enumerate(d.get("relations", []), start=1)]
    dossier = Dossier(d["id"], info, bool(d.get("disabled", False)), bookyears, accounts, vatcodes, relations)
    if "currencies" in d:
        dossier.currencies = list(d["currencies"])
    dossier.cost_centres = {int(c["id"]): _cost_centre(c) for c in d.get("costcentres", [])}
    return dossier


def _cost_centre(c):
    """Seed cost centres are flat: `id`, `description_NL`/`_FR`/`_EN`, `closed` (default false)."""
    return {
        "closed": bool(c.get("closed", False)),
        "costCentreKey": {"id": int(c["id"])},
        "description": {f"description_{lang}": c.get(f"description_{lang}", "") for lang in ("NL", "FR", "EN")},
    }


def _journal(j, bookyear_id):
    def per_bookyear(name, default=0):
        value = j.get(name, default)
        if isinstance(value, dict):
            return value.get(str(bookyear_id), default)
        return value

    return Journal(
        j["key"],
        j["name"],
        j.get("insertionType", 1),
        j.get("currencyCode"),
        per_bookyear("lastBookedDocumentNr"),
        bool(per_bookyear("closed", False)),
        per_bookyear("closedPeriod"),
        per_bookyear("protectedPeriod"),
    )


def _relation(r, index):
    """Seed relations are RelationServiceData; `id` and `externalRelationId` may be given flat."""
    data = {k: v for k, v in r.items() if k not in ("id", "externalRelationId")}
    ident = dict(data.get("relationIdentificationServiceData") or {})
    if "externalRelationId" in r:
        ident["externalRelationId"] = r["externalRelationId"]
    data["relationIdentificationServiceData"] = ident
    data.setdefault("currencyCode", "EUR")
    return new_relation(data, r.get("id", (ident.get("relationKey") or {}).get("id", index)))
