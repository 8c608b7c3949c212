"""Daily call limits per operation (ref §5.8). Operation names match the client's call_guard keys."""

DAILY_LIMITS = {
    "GET /dossiers": 150,
    "POST /dossiers": 150,
    "GET /bookyears": 24,
    "GET /journals": 24,
    "GET /accounts": 2,
    "GET /vatcodes": 2,
    "GET /currencies": 2,
    "GET /relations": 2,
    "GET /relations?filtered": 400,
    "PUT /relations": 400,
    "GET /relations/modified": 48,
    "POST /buysellbookings": 400,
    "GET /buysellbookings": 10,
    "PUT /buysellbookings": 10,
    "GET /buysellbookings/modified": 48,
    "POST /financialdiversbookings": 400,
    "GET /financialdiversbookings": 10,
    "PUT /financialdiversbookings": 10,
    "GET /financialdiversbookings/modified": 48,
    "POST /bookings/attachements": 400,
    "GET /bookings/modified": 48,
    "POST /balancings": 400,
    "DELETE /balancings/delete": 400,
    "GET /balancings/modified": 48,
}
LIMIT_ERROR_CODE = -80  # Octopus' real answer is undocumented (ref §7.4); fixed in ARCHITECTURE.md §1
