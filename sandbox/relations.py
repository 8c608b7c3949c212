"""Relation search and upsert rules (ref §4.5, §5.3)."""

import copy

# What Octopus fills in on create (ref §4.5, recorded 201 answer).
RELATION_DEFAULTS = {
    "active": True,
    "client": False,
    "corporationType": 0,
    "country": "",
    "defaultBookingAccountClient": 0,
    "defaultBookingAccountSupplier": 0,
    "email": "",
    "expirationDays": 30,
    "expirationType": 2,
    "factLanguage": 0,
    "fax": "",
    "financialDiscount": False,
    "mobile": "",
    "sddActive": False,
    "sddMandateType": 0,
    "sddSeqtype": 0,
    "supplier": False,
    "supplierPaymentMethod": 0,
    "telephone": "",
    "url": "",
    "vatNr": "",
    "vatType": 0,
}
FILTERS = ("relationId", "extRelationId", "name", "vatNr")


# Relation lists (GET /relations, /relations/modified) always carry these, empty or not, and leave
# out these when empty; the create answer (201) has its own shape, RELATION_DEFAULTS (recorded,
# ref §4.5 and issue 17).
LISTED_ALWAYS = (
    "bankAccountNr",
    "bicCode",
    "contactPerson",
    "firstName",
    "ibanAccountNr",
    "remarks",
    "searchField1",
    "searchField2",
)
LISTED_IF_SET = ("email", "fax", "mobile", "telephone", "url")


def relation_id(relation):
    return relation["relationIdentificationServiceData"]["relationKey"]["id"]


def external_id(relation):
    return relation["relationIdentificationServiceData"].get("externalRelationId", 0)


def identification(relation):
    """RelationIdentificationServiceData as Octopus hands it back: key and external id (0 if none)."""
    return {"externalRelationId": external_id(relation), "relationKey": {"id": relation_id(relation)}}


def new_relation(data, new_id):
    """A stored relation from sent data: defaults first, then what was sent, then the new key."""
    relation = copy.deepcopy(RELATION_DEFAULTS)
    relation.update(copy.deepcopy(data))
    ident = dict(relation.get("relationIdentificationServiceData") or {})
    ident["relationKey"] = {"id": new_id}
    ident.setdefault("externalRelationId", 0)
    relation["relationIdentificationServiceData"] = ident
    return relation


def search(relations, filters):
    """Unfiltered: active relations only. Filtered: any relation matching at least one filter."""
    if not filters:
        return [listed(r) for r in relations if r.get("active", True)]

    def matches(relation):
        if "relationId" in filters and relation_id(relation) == filters["relationId"]:
            return True
        if "extRelationId" in filters and external_id(relation) == filters["extRelationId"]:
            return True
        if "name" in filters and filters["name"].lower() in (relation.get("name") or "").lower():
            return True
        # The stored text as it is: a search must send Octopus' own format ("NL1633.92.705 B01").
        if "vatNr" in filters and relation.get("vatNr") == filters["vatNr"]:
            return True
        return False

    return [listed(r) for r in relations if matches(r)]


def listed(relation):
    """A stored relation as relation lists show it (see LISTED_ALWAYS)."""
    shown = copy.deepcopy(relation)
    for name in LISTED_ALWAYS:
        shown.setdefault(name, "")
    for name in LISTED_IF_SET:
        if not shown.get(name):
            shown.pop(name, None)
    return shown


def find(relations, ident):
    """The relation a RelationIdentificationServiceData points at: relationKey first, then
    externalRelationId (0 means none)."""
    ident = ident or {}
    key = (ident.get("relationKey") or {}).get("id")
    if key is not None:
        for relation in relations:
            if relation_id(relation) == key:
                return relation
    ext = ident.get("externalRelationId") or 0
    if ext:
        for relation in relations:
            if external_id(relation) == ext:
                return relation
    return None


def upsert(dossier, data, now=0.0):
    """Merge into the relation found by key / external id (-> None, i.e. 204) or create one
    (-> the stored relation, i.e. 201). `now` (epoch) stamps it for the modified list."""
    existing = find(dossier.relations, data.get("relationIdentificationServiceData"))
    if existing is None:
        new_id = max((relation_id(r) for r in dossier.relations), default=0) + 1
        relation = new_relation(data, new_id)
        dossier.relations.append(relation)
        dossier.relation_stamps[new_id] = now
        return copy.deepcopy(relation)
    dossier.relation_stamps[relation_id(existing)] = now
    merged_ident = existing["relationIdentificationServiceData"]
    sent_ident = data.get("relationIdentificationServiceData") or {}
    if sent_ident.get("externalRelationId"):
        merged_ident["externalRelationId"] = sent_ident["externalRelationId"]
    for name, value in data.items():
        if name != "relationIdentificationServiceData":
            existing[name] = copy.deepcopy(value)
    return None


def modified_since(dossier, since):
    """Relations created or merged at or after `since` (epoch); seeded ones count as never modified.
    The sandbox deletes no relation, so `deleted` is always empty."""
    found = [r for r in dossier.relations if dossier.relation_stamps.get(relation_id(r), -1) >= since]
    return {"modified": [listed(r) for r in found], "deleted": []}
