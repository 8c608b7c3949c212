"""Cost centres (ref §4.11, schema CostCentreServiceData of the OpenAPI spec): the lists, the
upsert, and the cost-centre rules of a booking line (ref §4.3 `costCentreType`, §6.3 -40 / -41).

`GET /costcentres` lists every cost centre, `GET /costcentres/active` those with `closed` false;
both answer 404 -45 when the list is empty (the spec's "No CostCentres found" / "No active
CostCentres found"; -45 is the SOAP-era "get cost centres" code). `PUT /costcentres` takes a
CostCentreServiceData whose three fields are required (`costCentreKey`, `description`,
`closed`): an unknown key is created (201, empty body like every 201 but the relation's), a known
one updated (204). The caller chooses the key, as for accounts.

INFERENCE (the reference is silent): a key that is not a positive number is refused with 400 -76
("insert/update cost centre"), the SOAP-era code for a failed cost-centre write.
"""

import copy

from .errors import INVALID_ELEMENTS, ApiError, bad_params, not_found, refused

MANDATORY = 1  # AccountServiceData.costCentreType: 0 none, 1 mandatory, 2 optional (ref §4.3)


def listing(dossier, active_only=False):
    found = [
        copy.deepcopy(centre)
        for _key, centre in sorted(dossier.cost_centres.items())
        if not (active_only and centre["closed"])
    ]
    if not found:
        raise not_found(-45, "No active CostCentres found" if active_only else "No CostCentres found")
    return found


def upsert(dossier, data):
    """PUT: -> True when created, False when updated."""
    if not isinstance(data, dict) or any(data.get(name) is None for name in ("costCentreKey", "description", "closed")):
        raise bad_params()
    key = data["costCentreKey"].get("id") if isinstance(data["costCentreKey"], dict) else None
    if (
        not isinstance(key, int)
        or isinstance(key, bool)
        or not isinstance(data["description"], dict)
        or not isinstance(data["closed"], bool)
    ):
        raise ApiError(500, INVALID_ELEMENTS)
    if key <= 0:
        raise refused(-76, "Unable to insert or update cost centre", f"Illegal cost centre key {key}")
    created = key not in dossier.cost_centres
    dossier.cost_centres[key] = {
        "closed": data["closed"],
        "costCentreKey": {"id": key},
        "description": copy.deepcopy(data["description"]),
    }
    return created


def check_line(dossier, line):
    """The cost-centre rules of one buy/sell booking line.

    -40 for a key the dossier does not have, -41 for a closed one (ref §6.3). A line on an account
    whose `costCentreType` is 1 (mandatory) without a cost centre: the reference does not say what
    Octopus answers. INFERENCE: the closest documented refusal, -40 ("unknown cost centre": the line
    names none that Octopus knows), with the reason in technicalInfo.
    """
    given = line.get("costCentreKey")
    if given is None:
        account = dossier.accounts.get(line.get("accountKey")) or {}
        if account.get("costCentreType") == MANDATORY:
            raise refused(
                -40, "Unknown cost centre", f"Account {line.get('accountKey')} requires a cost centre on each line"
            )
        return
    key = given.get("id") if isinstance(given, dict) else None
    if not isinstance(key, int) or isinstance(key, bool):
        raise ApiError(500, INVALID_ELEMENTS)
    centre = dossier.cost_centres.get(key)
    if centre is None:
        raise refused(-40, "Unknown cost centre", f"Unknown cost centre {key}")
    if centre["closed"]:
        raise refused(-41, "Cost centre closed", f"Cost centre {key} is closed")
