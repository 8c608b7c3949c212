"""The control surface under /_sandbox/ (ARCHITECTURE.md §1): JSON in and out, plus an HTML page."""

import base64
import json
import re
from pathlib import Path

from . import balancings, relations
from .reply import Reply

PAGE = Path(__file__).parent / "page.html"
RECENT_BOOKINGS = 20
CONFIG_KEYS = ("lock_error_code", "created_body", "timeout_seconds", "strict")


def handle(state, method, path, query, body):
    """-> Reply; a bad control request gets 400 {"error": ...}."""
    path = path.rstrip("/") or "/"
    try:
        data = json.loads(body) if body else {}
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        for (route_method, pattern), action in ROUTES.items():
            found = re.fullmatch(pattern, path)
            if found and route_method == method:
                return action(state, data, *(int(g) if g.isdigit() else g for g in found.groups()))
    except (ValueError, KeyError, IndexError, TypeError) as error:
        return Reply(400, {"error": str(error)})
    return Reply(404, {"error": f"no control {method} {path}"})


def _page(state, data):
    return Reply(200, PAGE.read_text(encoding="utf-8"), "text/html; charset=utf-8")


def _ok(**extra):
    return Reply(200, dict(extra, ok=True))


def _journal_args(data):
    return data["dossier"], data.get("journal"), data.get("bookyear")


def _reset(state, data):
    state.reset(data.get("seed"))
    return _ok()


def _lock(state, data):
    state.lock(*_journal_args(data))
    return _ok()


def _unlock(state, data):
    state.unlock(*_journal_args(data))
    return _ok()


def _close(state, data):
    state.close(data["dossier"], data["bookyear"], data.get("journal"))
    return _ok()


def _protect_period(state, data):
    state.protect_period(
        data["dossier"], data["bookyear"], data.get("journal"), data["period"], closed=bool(data.get("closed", False))
    )
    return _ok()


def _faults(state, data):
    state.inject_fault(data["kind"], int(data.get("count", 1)), data.get("path"))
    return _ok(pending=state.pending_faults())


def _pending_faults(state, data):
    return _ok(pending=state.pending_faults())


def _latency(state, data):
    state.latency_ms = int(data["ms"])
    return _ok()


def _expire_tokens(state, data):
    state.expire_tokens()
    return _ok()


def _advance(state, data):
    state.advance(float(data["seconds"]))
    return _ok()


def _calls(state, data):
    with state.mutex:
        return _ok(
            call_counts=dict(state.call_counts),
            calls_by_dossier={str(k): dict(v) for k, v in state.calls_by_dossier.items()},
        )


def _limits(state, data):
    with state.mutex:
        if "enforce" in data:
            state.enforce_limits = bool(data["enforce"])
        for operation, calls in (data.get("limits") or {}).items():
            state.set_limit(operation, int(calls))
        return _ok(enforce=state.enforce_limits, limits=dict(state.limits))


def _config(state, data):
    with state.mutex:
        if "lock_error_code" in data:
            if data["lock_error_code"] not in (-12, -11):
                raise ValueError("lock_error_code must be -12 or -11")
            state.lock_error_code = data["lock_error_code"]
        if "created_body" in data:
            state.created_body = bool(data["created_body"])
        if "strict" in data:
            state.strict = bool(data["strict"])
        if "timeout_seconds" in data:
            state.timeout_seconds = float(data["timeout_seconds"])
        return _ok(**{key: getattr(state, key) for key in CONFIG_KEYS})


def _bookings(state, data, dossier_id):
    return _ok(
        bookings=[_wire(r) for r in state.bookings(dossier_id)],
        financialBookings=[_wire(r) for r in state.financial_bookings(dossier_id)],
    )


def _book_directly(state, data, dossier_id):
    return _ok(booking=_wire(state.book_directly(dossier_id, data["bookyear"], data["journal"])))


def _receive_by_peppol(state, data, dossier_id):
    return _ok(
        booking=_wire(
            state.receive_by_peppol(
                dossier_id,
                data["bookyear"],
                data["vatNr"],
                data["reference"],
                data["amount"],
                data.get("journal", "A1"),
            )
        )
    )


def _delete_booking(state, data, dossier_id):
    state.delete_booking(dossier_id, data["bookyear"], data["journal"], data["nr"])
    return _ok()


def _change_booking(state, data, dossier_id):
    return _ok(
        booking=_wire(
            state.change_booking(dossier_id, data["bookyear"], data["journal"], data["nr"], data.get("changes"))
        )
    )


def _pay(state, data, dossier_id):
    paid = state.pay_in_octopus(
        dossier_id, data["bookyear"], data["journal"], data["nr"], data.get("amount"), data.get("bankJournal", "F1")
    )
    return _ok(booking=_wire(paid["booking"]), balancing=paid["balancing"])


def _delete_balancing(state, data, dossier_id):
    state.delete_balancing(dossier_id, data["debetKey"], data["creditKey"])
    return _ok()


def _balancings(state, data, dossier_id):
    return _ok(balancings=state.balancings(dossier_id))


def _overview(state, data):
    """Everything the HTML page shows."""
    with state.mutex:
        dossiers = [
            {
                "id": d.id,
                "description": d.info["dossierDescription"],
                "vatNr": d.info["vatNr"],
                "disabled": d.disabled,
                "bookyears": [
                    {
                        "id": b.id,
                        "description": b.description,
                        "closed": b.closed,
                        "journals": [
                            {
                                "key": j.key,
                                "name": j.name,
                                "last": j.last_nr,
                                "closed": j.closed,
                                "locked": j.locked,
                                "protectedPeriod": j.protected_period,
                                "closedPeriod": j.closed_period,
                            }
                            for j in b.journals.values()
                        ],
                    }
                    for b in d.bookyears.values()
                ],
                "balancings": [_shown_balancing(d, b) for b in d.balancings.values()],
            }
            for d in state.dossiers.values()
        ]
        recent = sorted(
            ((d, b) for d in state.dossiers.values() for b in d.bookings.values()),
            key=lambda pair: pair[1].modified,
            reverse=True,
        )[:RECENT_BOOKINGS]
        return _ok(
            now=state.today(),
            dossiers=dossiers,
            faults=state.pending_faults(),
            bookings=[_shown_booking(state, d, b) for d, b in recent],
        )


def _shown_booking(state, dossier, booking):
    """A booking as the page lists it: Octopus' own number ("2026/A1/52"), its relation, its lines,
    links to its attachments, and what stays open (buy/sell bookings)."""
    record = state.record(booking)
    key = (booking.bookyear_id, booking.journal_key, booking.nr)
    shown = dict(
        record,
        dossier=dossier.id,
        number=balancings.display(dossier, (*key, -1)),
        attachments=[
            {
                "fileName": a["fileName"],
                "size": len(a["data"]),
                "url": f"/_sandbox/dossiers/{dossier.id}/attachment/{booking.bookyear_id}/"
                f"{booking.journal_key}/{booking.nr}/{index}",
            }
            for index, a in enumerate(record["attachments"])
        ],
    )
    data = booking.data
    if booking.financial:
        shown["lines"] = [_financial_line(dossier, line) for line in data["bookingLines"]]
        shown["relation"] = ""
    else:
        relation = relations.find(dossier.relations, data["relationIdentificationServiceData"])
        shown["relation"] = _relation_name(relation)
        shown["lines"] = [
            f"{line.get('accountKey')} · {line.get('vatCodeKey')} · "
            f"{line.get('baseAmount', 0.0):.2f} + {line.get('vatAmount', 0.0):.2f} VAT"
            + (f" · {line['comment']}" if line.get("comment") else "")
            + (f" · cost centre {line['costCentreKey'].get('id')}" if line.get("costCentreKey") else "")
            for line in data["bookingLines"]
        ]
        shown["open"] = balancings.open_amount(dossier, balancings.document(dossier, (*key, -1)))
    return shown


def _financial_line(dossier, line):
    if line["type"] == "A":
        target = f"account {line['accountKey']}"
    else:
        relation = relations.find(dossier.relations, {"relationKey": {"id": line["relationId"]}})
        target = f"{'client' if line['type'] == 'C' else 'supplier'} {_relation_name(relation)}"
    return f"{target} · {line['amount']:.2f}" + (f" · {line['reference']}" if line.get("reference") else "")


def _relation_name(relation):
    if relation is None:
        return ""
    vat = relation.get("vatNr")
    return relation.get("name", "") + (f" ({vat})" if vat else "")


def _shown_balancing(dossier, balancing):
    return {
        "debet": balancings.display(dossier, balancing.debet),
        "credit": balancings.display(dossier, balancing.credit),
        "amount": balancing.amount,
        "debetKey": balancings.key_json(balancing.debet),
        "creditKey": balancings.key_json(balancing.credit),
    }


def _attachment(state, data, dossier_id, bookyear_id, journal_key, nr, index):
    """One attachment's bytes, so the page can link a booking's PDF."""
    with state.mutex:
        booking = state.dossiers[dossier_id].bookings[(bookyear_id, journal_key, nr)]
        attachment = booking.attachments[index]
    name = attachment["fileName"]
    kind = (
        "application/pdf"
        if name.lower().endswith(".pdf")
        else "application/xml"
        if name.lower().endswith(".xml")
        else "application/octet-stream"
    )
    return Reply(200, attachment["data"], kind)


def _wire(record):
    """A booking record with its attachment bytes as base64, for JSON."""
    return dict(
        record,
        attachments=[
            {"fileName": a["fileName"], "fileData": base64.b64encode(a["data"]).decode(), "size": len(a["data"])}
            for a in record["attachments"]
        ],
    )


ROUTES = {
    ("GET", "/_sandbox"): _page,
    ("GET", "/_sandbox/overview"): _overview,
    ("POST", "/_sandbox/reset"): _reset,
    ("POST", "/_sandbox/lock"): _lock,
    ("POST", "/_sandbox/unlock"): _unlock,
    ("POST", "/_sandbox/close"): _close,
    ("POST", "/_sandbox/protect-period"): _protect_period,
    ("POST", "/_sandbox/faults"): _faults,
    ("GET", "/_sandbox/faults"): _pending_faults,
    ("POST", "/_sandbox/latency"): _latency,
    ("POST", "/_sandbox/expire-tokens"): _expire_tokens,
    ("POST", "/_sandbox/advance"): _advance,
    ("GET", "/_sandbox/calls"): _calls,
    ("POST", "/_sandbox/limits"): _limits,
    ("GET", "/_sandbox/config"): _config,
    ("POST", "/_sandbox/config"): _config,
    ("GET", r"/_sandbox/dossiers/(\d+)/bookings"): _bookings,
    ("POST", r"/_sandbox/dossiers/(\d+)/book-directly"): _book_directly,
    ("POST", r"/_sandbox/dossiers/(\d+)/receive-by-peppol"): _receive_by_peppol,
    ("POST", r"/_sandbox/dossiers/(\d+)/delete-booking"): _delete_booking,
    ("POST", r"/_sandbox/dossiers/(\d+)/change-booking"): _change_booking,
    ("POST", r"/_sandbox/dossiers/(\d+)/pay"): _pay,
    ("POST", r"/_sandbox/dossiers/(\d+)/delete-balancing"): _delete_balancing,
    ("GET", r"/_sandbox/dossiers/(\d+)/balancings"): _balancings,
    ("GET", r"/_sandbox/dossiers/(\d+)/attachment/(\d+)/(\w+)/(\d+)/(\d+)"): _attachment,
}
