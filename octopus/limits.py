"""Octopus' per-operation daily call limits (ref §5.8, "Maximum allowed calls per day").

The keys are the `operation` names the client passes to `call_guard`; None means unlimited.
"""

from __future__ import annotations

DAILY_LIMITS: dict[str, int | None] = {
    "POST /authentication": None,
    "GET /dossiers": 150,
    "POST /dossiers": 150,
    "GET /bookyears": 24,
    "GET /journals": 24,
    "GET /accounts": 2,
    "GET /vatcodes": 2,
    "GET /currencies": 2,
    "GET /costcentres": 2,
    "GET /costcentres/active": 2,
    "PUT /costcentres": 400,
    "GET /relations": 2,
    "GET /relations?filtered": 400,
    "PUT /relations": 400,
    "GET /relations/modified": 48,
    "POST /buysellbookings": 400,
    "GET /buysellbookings": 10,
    "GET /buysellbookings/modified": 48,
    "POST /financialdiversbookings": 400,
    "GET /financialdiversbookings/modified": 48,
    "POST /bookings/attachements": 400,
    "GET /bookings/modified": 48,
    "POST /balancings": 400,
    "DELETE /balancings/delete": 400,
    "GET /balancings/modified": 48,
}
