"""The request objects the API defines, field by field (ref §4.5-§4.10), for the strict mode.

Octopus' own handling of an unknown field is undocumented. In strict mode (seed `"strict": true`,
`POST /_sandbox/config {"strict": true}` or `state.strict = True`) the sandbox refuses one the way
it refuses any object it cannot read: 500 "Invalid elements in the passed object", naming the
field in technicalInfo. So a misspelled field (`bookyearPeriodNr` for `bookyearPeriodeNr`) fails a
test instead of being silently dropped.
"""

from .errors import INVALID_ELEMENTS, ApiError

KEY = {"id": None}
BOOKYEAR_KEY = {"id": None}
RELATION_IDENTIFICATION = {"relationKey": KEY, "externalRelationId": None}
ATTACHMENT = {"fileName": None, "fileData": None}

BUYSELL_LINE = {
    "accountKey": None,
    "baseAmount": None,
    "vatCodeKey": None,
    "vatAmount": None,
    "comment": None,
    "costCentreKey": KEY,
    "vatRecupPercentage": None,
    "intrastatServiceData": dict,
    "overflowBookingServiceData": {
        "beginDate": None,
        "endDate": None,
        "overflowBookingPeriodType": None,
        "accountNr": None,
    },
}
BUYSELL = {
    "bookyearKey": BOOKYEAR_KEY,
    "journalKey": None,
    "documentSequenceNr": None,
    "relationIdentificationServiceData": RELATION_IDENTIFICATION,
    "bookyearPeriodeNr": None,
    "documentDate": None,
    "expiryDate": None,
    "comment": None,
    "orderReference": None,
    "reference": None,
    "amount": None,
    "currencyCode": None,
    "exchangeRate": None,
    "bookingLines": [BUYSELL_LINE],
    "paymentMethod": None,
}
FINANCIAL_LINE = {
    "type": None,
    "accountKey": None,
    "externalRelationId": None,
    "relationId": None,
    "reference": None,
    "amount": None,
    "costCentreKey": KEY,
    "codaInfo": {"codaVersion": {"codaVersion": None}, "codaMoveLineData": None},
}
FINANCIAL = {
    "bookyearKey": BOOKYEAR_KEY,
    "journalKey": None,
    "documentSequenceNr": None,
    "bookyearPeriodeNr": None,
    "documentDate": None,
    "exchangeRate": None,
    "bookingLines": [FINANCIAL_LINE],
}
BUYSELL_REQUEST = {"buySellBookingServiceData": BUYSELL, "attachments": [ATTACHMENT]}
FINANCIAL_REQUEST = {"financialDiversBookingServiceData": FINANCIAL, "attachments": [ATTACHMENT]}

RELATION = dict.fromkeys(
    (
        "name",
        "firstName",
        "client",
        "defaultBookingAccountClient",
        "supplier",
        "defaultBookingAccountSupplier",
        "streetAndNr",
        "postalCode",
        "city",
        "country",
        "deliveryStreetAndNr",
        "deliveryPostalCode",
        "deliveryCity",
        "deliveryCountry",
        "telephone",
        "email",
        "fax",
        "mobile",
        "url",
        "bankAccountNr",
        "ibanAccountNr",
        "bicCode",
        "financialDiscount",
        "profession",
        "contactPerson",
        "corporationType",
        "currencyCode",
        "remarks",
        "vatNr",
        "vatType",
        "expirationType",
        "expirationDays",
        "searchField1",
        "searchField2",
        "externCustomerNr",
        "sddReference",
        "sddSeqtype",
        "sddMandateType",
        "sddSignatureDate",
        "sddActive",
        "factLanguage",
        "active",
        "supplierPaymentMethod",
        "invoiceDeliveryMethod",
        "participantId",
    )
)
RELATION["relationIdentificationServiceData"] = RELATION_IDENTIFICATION

STRING_SERVICE_DATA = dict.fromkeys(("description_NL", "description_FR", "description_EN", "description_DE"))
COST_CENTRE = {"costCentreKey": KEY, "description": STRING_SERVICE_DATA, "closed": None}

BALANCING_KEY = {"bookyearKey": BOOKYEAR_KEY, "journalKey": None, "documentSequenceNr": None, "lineSequenceNr": None}
BALANCING = {"debetKey": BALANCING_KEY, "creditKey": BALANCING_KEY, "balanceAmount": None}
BALANCING_DELETE = {"debetKey": BALANCING_KEY, "creditKey": BALANCING_KEY}


def unknown_field(schema, value, path=""):
    """The dotted path of the first field of `value` that `schema` does not define, or None.

    A schema is a dict of field -> sub-schema (None: any plain value; `dict`: any object), or a
    one-item list for arrays. Values of the wrong shape are left to the rules that read them.
    """
    if isinstance(schema, list):
        if isinstance(value, list):
            for index, item in enumerate(value):
                found = unknown_field(schema[0], item, f"{path}[{index}]")
                if found:
                    return found
        return None
    if not isinstance(schema, dict) or not isinstance(value, dict):
        return None
    for name, item in value.items():
        where = f"{path}.{name}" if path else name
        if name not in schema:
            return where
        found = unknown_field(schema[name], item, where)
        if found:
            return found
    return None


def check(strict, schema, value):
    """In strict mode, refuse `value` when it holds a field the API does not define."""
    if not strict:
        return
    field = unknown_field(schema, value)
    if field:
        raise ApiError(500, f"{INVALID_ELEMENTS}: unknown field {field!r} (sandbox strict mode)")
