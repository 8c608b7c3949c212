from odoo import api, models
from odoo.tools import SQL

from .octopus_push_run import CONCURRENCY_ERRORS

LOCK_CLASHES = 5  # serialization failures while taking the next booking before the run leaves the rest


class OctopusBooking(models.Model):
    """Taking bookings off the queue: row locks that skip what another worker holds, and the turns of
    the two loops that send (the push) or prepare (the PDF job), each turn committed."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    def _take_turns(self, domain, work, budget, with_commit, size=1, limit=None):
        """The loop of the push and of the PDF job: row-lock up to `size` bookings of `domain()` (read
        again before each turn: what a booking queues, its payment, goes in the same run) that no
        other worker holds, let `work` handle them, and go on until none is left, `limit` turns are
        taken or the budget is used. A booking is taken at most once per run; returns the ids taken.

        Commits before each turn: a fresh snapshot, since under REPEATABLE READ locking a row another
        worker changed after this transaction began fails with a serialization error. Such a clash
        (in the lock or in `work`) rolls the turn back; after LOCK_CLASHES the run leaves the rest."""
        seen, clashes = [], 0
        while (limit is None or budget.taken < limit) and budget.allows_another() and clashes < LOCK_CLASHES:
            if with_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            try:
                batch = self._lock_due([*domain(), ("id", "not in", seen)], limit=size)
                if not batch:
                    break
                seen += batch.ids
                budget.taken += 1
                work(batch)
            except CONCURRENCY_ERRORS:
                if not with_commit:
                    raise
                self.env.cr.rollback()
                clashes += 1
        return seen

    @api.model
    def _queue_query(self, domain, limit=None):
        """SELECT of the bookings matching `domain` in the push's order: new postings before earlier
        invoices, oldest due first (octopus_booking_due_queue_index holds that order)."""
        return self._search(domain, order="history, next_try, id", limit=limit).select()

    def _lock_due(self, domain, limit=None):
        """Row-lock the bookings matching `domain`, new postings before earlier invoices, oldest due
        first, skipping those another worker holds: the one query of the push, built from the same
        domain as every "due" search."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("%s FOR UPDATE OF %s SKIP LOCKED", self._queue_query(domain, limit), SQL.identifier(self._table)),
            log_exceptions=False,  # a clash with another worker is expected: _take_turns rolls back and goes on
        )
        bookings = self.browse([row[0] for row in self.env.cr.fetchall()])
        bookings.invalidate_recordset()
        return bookings
