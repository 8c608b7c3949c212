"""The Octopus routes under /octopus-rest-api/v1 (ref §2-§4): parameters, tokens, daily quota,
then the rules in bookings.py / relations.py."""

import datetime
import json
import re
import traceback
from dataclasses import dataclass

from . import balancings, bookings, cost_centres, relations, schema
from .bookings import BUYSELL, FINANCIAL
from .errors import INVALID_ELEMENTS, ApiError, bad_params, not_found
from .reply import Reply

PREFIX = "/octopus-rest-api/v1"
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$")


@dataclass
class Request:
    method: str
    path: str  # below PREFIX
    query: dict  # name -> first value
    headers: object  # case-insensitive mapping (http.client.HTTPMessage)
    body: bytes
    client_ip: str


@dataclass
class Call:
    """One request on its way through a route handler."""

    state: object
    request: Request
    params: dict
    user: object = None
    dossier: object = None
    language: str = None  # errorMessage language, known once the dossier token is

    def json(self):
        try:
            return json.loads(self.request.body)
        except ValueError:
            raise bad_params() from None

    def path_int(self, name):
        return _int(self.params.get(name))

    def query_int(self, name, required=True):
        value = self.request.query.get(name)
        if value is None and not required:
            return None
        return _int(value)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: object
    auth: str  # "none", "user" (Token header) or "dossier" (dossierToken header)
    operation: object  # daily-limit key, a function of the query, or None (unlimited)

    @property
    def pattern(self):
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")

    def operation_for(self, query):
        return self.operation(query) if callable(self.operation) else self.operation


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_params() from None


# -- handlers -------------------------------------------------------------------------------


def authenticate(call):
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("user"), str) or not isinstance(body.get("password"), str):
        raise bad_params()
    token = call.state.authenticate(
        body["user"], body["password"], call.request.headers.get("softwareHouseUuid"), call.request.client_ip
    )
    return Reply(200, {"token": token})


def list_dossiers(call):
    dossiers = call.state.dossiers
    return Reply(
        200, [dict(dossiers[i].info, dossierKey={"id": i}) for i in sorted(call.user.dossier_ids) if i in dossiers]
    )


def connect_dossier(call):
    locale = call.query_int("localeId", required=False)
    if locale is not None and not 0 <= locale <= 4:
        raise bad_params()
    token = call.state.connect(call.user, call.query_int("dossierId"), locale or 0)
    return Reply(200, {"Dossiertoken": token})


def list_bookyears(call):
    years = [
        {
            "bookyearDescription": b.description,
            "bookyearKey": {"id": b.id},
            "closed": b.closed,
            "endDate": b.end,
            "periods": b.periods,
            "startDate": b.start,
        }
        for b in call.dossier.bookyears.values()
    ]
    if not years:
        raise not_found(-8, "No Bookyears found")
    return Reply(200, years)


def list_journals(call):
    bookyear = call.dossier.bookyears.get(call.path_int("bookyearId"))
    if bookyear is None or not bookyear.journals:
        raise not_found(-36, "No Journals found")
    journals = []
    for j in bookyear.journals.values():
        item = {
            "bookyearKey": {"id": bookyear.id},
            "closed": j.closed or bookyear.closed,
            "closedPeriod": j.closed_period,
            "insertionType": j.insertion_type,
            "journalKey": j.key,
            "lastBookedDocumentNr": j.last_nr,
            "name": j.name,
            "protectedPeriod": j.protected_period,
        }
        if j.currency_code:
            item["currencyCode"] = j.currency_code
        journals.append(item)
    return Reply(200, journals)


def list_accounts(call):
    bookyear_id = call.query_int("bookyearId")
    if bookyear_id not in call.dossier.bookyears or not call.dossier.accounts:
        raise not_found(-44, "No accounts found")
    return Reply(
        200,
        [
            dict(a, accountKey={"bookyearKey": {"id": bookyear_id}, "id": nr})
            for nr, a in sorted(call.dossier.accounts.items())
        ],
    )


def list_vatcodes(call):
    if not call.dossier.vatcodes:
        raise not_found(-42, "No VATCodes found")
    return Reply(200, list(call.dossier.vatcodes.values()))


def list_currencies(call):
    return Reply(200, list(call.dossier.currencies))


def list_cost_centres(call):
    return Reply(200, cost_centres.listing(call.dossier))


def list_active_cost_centres(call):
    return Reply(200, cost_centres.listing(call.dossier, active_only=True))


def put_cost_centre(call):
    data = call.json()
    schema.check(call.state.strict, schema.COST_CENTRE, data)
    return Reply(201) if cost_centres.upsert(call.dossier, data) else Reply(204)


def search_relations(call):
    query = call.request.query
    filters = {name: query[name] for name in relations.FILTERS if query.get(name)}
    for name in ("relationId", "extRelationId"):
        if name in filters:
            filters[name] = _int(filters[name])
    found = relations.search(call.dossier.relations, filters)
    if not found:
        raise not_found(-47, "No relations found")
    return Reply(200, found)


def modified_relations(call):
    since = _timestamp(call)
    found = relations.modified_since(call.dossier, since)
    if not found["modified"] and not found["deleted"]:
        raise not_found(-47, "No modified relations found")
    return Reply(200, found)


def relations_operation(query):
    filtered = any(query.get(name) for name in relations.FILTERS)
    return "GET /relations?filtered" if filtered else "GET /relations"


def put_relation(call):
    data = call.json()
    if (
        not isinstance(data, dict)
        or not data.get("currencyCode")
        or not isinstance(data.get("relationIdentificationServiceData"), dict)
    ):
        raise bad_params()
    schema.check(call.state.strict, schema.RELATION, data)
    created = relations.upsert(call.dossier, data, call.state.now())
    return Reply(201, created) if created is not None else Reply(204)


def insert_booking(kind):
    def handler(call):
        state = call.state
        booking = bookings.insert(kind, call.dossier, call.json(), state.now(), state.lock_error_code, state.strict)
        return Reply(201, booking.data if state.created_body else None)

    return handler


def get_booking(kind):
    def handler(call):
        journal_key = call.request.query.get("journalKey")
        if not journal_key:
            raise bad_params()
        booking = bookings.find(
            call.dossier, call.query_int("bookyearId"), journal_key, call.query_int("documentSeqNr"), kind.financial
        )
        return Reply(200, booking.data)

    return handler


def update_booking(kind):
    def handler(call):
        state = call.state
        bookings.update(kind, call.dossier, call.json(), state.now(), state.lock_error_code, state.strict)
        return Reply(204)

    return handler


def _timestamp(call, name="modifiedTimeStamp"):
    """A timestamp query parameter ("YYYY-MM-DD HH:MM:SS.mmm", UTC) as epoch seconds."""
    stamp = call.request.query.get(name) or ""
    if not TIMESTAMP_RE.match(stamp):
        raise bad_params()
    try:
        since = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
    except ValueError:
        raise bad_params() from None
    return since.replace(tzinfo=datetime.timezone.utc).timestamp()


def modified_bookings(kind):
    def handler(call):
        since = _timestamp(call)
        return Reply(
            200,
            bookings.modified_since(
                call.dossier,
                call.query_int("bookyearId"),
                call.request.query.get("journalKey") or None,
                since,
                kind.financial,
            ),
        )

    return handler


def add_attachment(call):
    headers = call.request.headers
    journal_key = headers.get("journalKey")
    if not journal_key:
        raise bad_params()
    nr = _int(headers.get("documentSequennceNr"))  # sic: double "nn" (ref §4.8)
    attachment = bookings.decode_attachment(call.json())
    key = (call.path_int("bookyearId"), journal_key, nr)
    if key not in call.dossier.bookings:
        raise not_found(-34, "Booking not found")
    call.dossier.bookings[key].attachments.append(attachment)
    return Reply(204)


def insert_balancing(call):
    payload = call.json()
    schema.check(call.state.strict, schema.BALANCING, payload)
    balancings.insert(call.dossier, payload, call.state.now())
    return Reply(201)


def delete_balancing(call):
    payload = call.json()
    schema.check(call.state.strict, schema.BALANCING_DELETE, payload)
    balancings.delete(call.dossier, payload, call.state.now())
    return Reply(204)


def modified_balancings(call):
    return Reply(200, balancings.modified_since(call.dossier, _timestamp(call)))


def modified_report(call):
    """GET /bookyears/{bookyearId}/bookings/modified?journalTypeId=&modifiedTimeStamp=[&modifiedTimeStampTo=]"""
    until = None
    if call.request.query.get("modifiedTimeStampTo"):
        until = _timestamp(call, "modifiedTimeStampTo")
    return Reply(
        200,
        bookings.report_since(
            call.dossier, call.path_int("bookyearId"), call.query_int("journalTypeId"), _timestamp(call), until
        ),
    )


D = "/dossiers/{dossierId}"
ROUTES = [
    Route("POST", "/authentication", authenticate, "none", None),
    Route("GET", "/dossiers", list_dossiers, "user", "GET /dossiers"),
    Route("POST", "/dossiers", connect_dossier, "user", "POST /dossiers"),
    Route("GET", D + "/bookyears", list_bookyears, "dossier", "GET /bookyears"),
    Route("GET", D + "/bookyears/{bookyearId}/journals", list_journals, "dossier", "GET /journals"),
    Route("GET", D + "/accounts", list_accounts, "dossier", "GET /accounts"),
    Route("GET", D + "/vatcodes", list_vatcodes, "dossier", "GET /vatcodes"),
    Route("GET", D + "/currencies", list_currencies, "dossier", "GET /currencies"),
    Route("GET", D + "/costcentres", list_cost_centres, "dossier", "GET /costcentres"),
    Route("GET", D + "/costcentres/active", list_active_cost_centres, "dossier", "GET /costcentres/active"),
    Route("PUT", D + "/costcentres", put_cost_centre, "dossier", "PUT /costcentres"),
    Route("GET", D + "/relations/modified", modified_relations, "dossier", "GET /relations/modified"),
    Route("GET", D + "/relations", search_relations, "dossier", relations_operation),
    Route("PUT", D + "/relations", put_relation, "dossier", "PUT /relations"),
    Route("POST", D + "/buysellbookings", insert_booking(BUYSELL), "dossier", "POST /buysellbookings"),
    Route("GET", D + "/buysellbookings", get_booking(BUYSELL), "dossier", "GET /buysellbookings"),
    Route("PUT", D + "/buysellbookings", update_booking(BUYSELL), "dossier", "PUT /buysellbookings"),
    Route(
        "GET", D + "/buysellbookings/modified", modified_bookings(BUYSELL), "dossier", "GET /buysellbookings/modified"
    ),
    Route(
        "POST", D + "/financialdiversbookings", insert_booking(FINANCIAL), "dossier", "POST /financialdiversbookings"
    ),
    Route("GET", D + "/financialdiversbookings", get_booking(FINANCIAL), "dossier", "GET /financialdiversbookings"),
    Route("PUT", D + "/financialdiversbookings", update_booking(FINANCIAL), "dossier", "PUT /financialdiversbookings"),
    Route(
        "GET",
        D + "/financialdiversbookings/modified",
        modified_bookings(FINANCIAL),
        "dossier",
        "GET /financialdiversbookings/modified",
    ),
    Route(
        "POST",
        D + "/bookyears/{bookyearId}/bookings/attachements",
        add_attachment,
        "dossier",
        "POST /bookings/attachements",
    ),
    Route("GET", D + "/bookyears/{bookyearId}/bookings/modified", modified_report, "dossier", "GET /bookings/modified"),
    Route("POST", D + "/balancings", insert_balancing, "dossier", "POST /balancings"),
    Route("DELETE", D + "/balancings/delete", delete_balancing, "dossier", "DELETE /balancings/delete"),
    Route("GET", D + "/balancings/modified", modified_balancings, "dossier", "GET /balancings/modified"),
]
_PATTERNS = [(route, route.pattern) for route in ROUTES]


# -- dispatch -------------------------------------------------------------------------------


def match(method, path):
    """-> (route, path parameters); ApiError 404 for an unknown path, 405 for a wrong method."""
    known_path = False
    for route, pattern in _PATTERNS:
        found = pattern.match(path)
        if found:
            known_path = True
            if route.method == method:
                return route, found.groupdict()
    if known_path:
        raise ApiError(405, f"Method {method} not allowed on {path}", -79, "Method not allowed")
    raise unknown_path(path)


def unknown_path(path):
    return ApiError(404, f"No resource at {path}", -79, "Unknown resource")


def dossier_id(route, params, query):
    """The dossier a call is about, for the per-dossier counters and quotas (None if none)."""
    value = params.get("dossierId")
    if value is None and route.template == "/dossiers":
        value = query.get("dossierId")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def handle(state, route, params, request):
    """Run one matched call: tokens, quota, rules. Holds the state's mutex throughout."""
    call = Call(state, request, params)
    try:
        with state.mutex:
            if route.auth == "user":
                call.user = state.user_of(request.headers.get("Token"))
            elif route.auth == "dossier":
                call.dossier = state.dossier_of(request.headers.get("dossierToken"), call.path_int("dossierId"))
                call.language = state.language_of(request.headers.get("dossierToken"))
            operation = route.operation_for(request.query)
            if operation:
                state.consume(operation, dossier_id(route, params, request.query))
            return route.handler(call)
    except ApiError as error:
        return Reply(error.status, error.body(call.language))
    except Exception:  # pylint: disable=broad-except
        # Values of an unexpected type (a list where a number belongs...): Octopus answers 500 too.
        traceback.print_exc()
        return Reply(500, {"technicalInfo": INVALID_ELEMENTS})
