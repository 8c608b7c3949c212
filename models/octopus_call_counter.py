from datetime import datetime, timezone

from odoo import api, fields, models

from ..octopus import errors
from ..octopus.limits import DAILY_LIMITS

# Calls of each operation kept back from ordinary use, so that after a lost reply the push can
# still re-read the journal and the modified bookings to learn whether its booking landed
# (ref §5.5). Only a client built with ``_get_client(use_reserve=True)`` may spend them.
# GET /accounts and GET /vatcodes (2 a day) keep no reserve: only the set-up button reads them.
RESERVE = {
    "GET /journals": 3,
    "GET /buysellbookings/modified": 3,
    "GET /financialdiversbookings/modified": 3,
    "GET /buysellbookings": 2,
}


class OctopusCallCounter(models.Model):
    """Calls made today per dossier and Octopus operation, to stop before a daily limit.

    Octopus states its limits per operation and day (ref §5.8) without saying how it answers once
    one is passed, so the addon stops itself first. Days are UTC days, like the sandbox's.
    """

    _name = "octopus.call.counter"
    _description = "Octopus daily call counter"
    _order = "day desc, operation"

    connection_id = fields.Many2one("octopus.connection", required=True, ondelete="cascade", index=True)
    octopus_dossier_key = fields.Integer(string="Dossier id", help="0 for calls made before a dossier is chosen.")
    day = fields.Date(required=True, index=True)
    operation = fields.Char(required=True)
    count = fields.Integer(default=0)
    limit = fields.Integer(compute="_compute_limit", string="Daily limit")

    _sql_constraints = [
        (
            "unique_day_operation",
            "unique(connection_id, octopus_dossier_key, day, operation)",
            "One counter per connection, dossier, day and operation.",
        ),
    ]

    def _compute_limit(self):
        for counter in self:
            counter.limit = DAILY_LIMITS.get(counter.operation) or 0

    @api.model
    def _allowed(self, operation, use_reserve=False):
        """How many calls of `operation` a day may make; None = no limit."""
        limit = DAILY_LIMITS.get(operation)
        if limit is None or use_reserve:
            return limit
        return max(limit - RESERVE.get(operation, 0), 0)

    @api.model
    def _today(self):
        return datetime.now(timezone.utc).date()

    @api.model
    def _count_call(self, connection_id, operation, dossier_key, use_reserve=False):
        """Count one call before it is made; raise DailyLimitReached instead of passing the limit.

        One UPSERT that only increments while under the limit, so two workers cannot both take the
        last call. It runs in the transaction of `self.env`: the caller's for buttons (a rolled-back
        action forgets its calls, and Octopus' own 429 still stops us then), a short one of its own
        for the cron (see octopus.connection._get_client).
        """
        allowed = self._allowed(operation, use_reserve)
        if allowed is None:
            allowed = 2**31 - 1
        self.env.cr.execute(
            """
            INSERT INTO octopus_call_counter
                   (connection_id, octopus_dossier_key, day, operation, count,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(connection)s, %(dossier)s, %(day)s, %(operation)s, 1,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
             WHERE %(allowed)s > 0
            ON CONFLICT (connection_id, octopus_dossier_key, day, operation)
            DO UPDATE SET count = octopus_call_counter.count + 1,
                          write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                    WHERE octopus_call_counter.count < %(allowed)s
            RETURNING count
            """,
            {
                "connection": connection_id,
                "dossier": dossier_key or 0,
                "day": self._today(),
                "operation": operation,
                "uid": self.env.uid,
                "allowed": allowed,
            },
        )
        if not self.env.cr.fetchone():
            limit = DAILY_LIMITS.get(operation)
            raise errors.DailyLimitReached(
                429,
                None,
                f"{operation}: {allowed} of the {limit} calls a day allowed for this use are made",
                "stopped by the addon before calling Octopus",
            )
        self.invalidate_model(["count"])

    @api.model
    def _remaining(self, connection, operation, dossier_key, use_reserve=False):
        """Calls of `operation` still allowed today (None = unlimited)."""
        allowed = self._allowed(operation, use_reserve)
        if allowed is None:
            return None
        counter = self.sudo().search(
            [
                ("connection_id", "=", connection.id),
                ("octopus_dossier_key", "=", dossier_key or 0),
                ("day", "=", self._today()),
                ("operation", "=", operation),
            ]
        )
        return max(allowed - counter.count, 0)
