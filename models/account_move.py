from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .octopus_booking import MANAGER_GROUP, STATES
from .octopus_booking_duplicate import DUPLICATE_ACTIVITY_XMLID
from .octopus_booking_monitor import QUEUEABLE

PUSHED_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")


class AccountMove(models.Model):
    """The move's Octopus side: posting queues its invoice booking (octopus.booking), the buttons,
    the reset-to-draft guard, and a summary of its bookings for lists, filters and badges."""

    _inherit = "account.move"

    octopus_booking_ids = fields.One2many("octopus.booking", "move_id", readonly=True, copy=False)
    octopus_state = fields.Selection(
        STATES, string="Octopus", compute="_compute_octopus_summary", store=True, index="btree_not_null"
    )
    octopus_number = fields.Char(
        string="Octopus number",
        compute="_compute_octopus_summary",
        store=True,
        help="Bookyear/journal/number of the booking in Octopus, e.g. 2026/V1/17.",
    )
    octopus_payment_state = fields.Selection(
        STATES, string="Octopus payment", compute="_compute_octopus_summary", store=True
    )
    octopus_payment_number = fields.Char(
        string="Octopus payment number", compute="_compute_octopus_summary", store=True
    )
    octopus_message = fields.Text(compute="_compute_octopus_messages")
    octopus_payment_message = fields.Text(compute="_compute_octopus_messages")
    # not stored: only the form's header and notice read it (the monitor lists the booking itself)
    octopus_balancing_state = fields.Selection(STATES, string="Octopus balancing", compute="_compute_octopus_messages")
    octopus_balancing_message = fields.Text(compute="_compute_octopus_messages")
    octopus_attempt_ids = fields.One2many("octopus.push.attempt", "move_id", readonly=True)
    octopus_attempt_count = fields.Integer(compute="_compute_octopus_attempt_count")

    @api.depends("octopus_booking_ids.state", "octopus_booking_ids.number")
    def _compute_octopus_summary(self):
        for move in self:
            invoice, payment = move._octopus_booking("invoice"), move._octopus_booking("payment")
            move.octopus_state, move.octopus_number = invoice.state, invoice.number
            move.octopus_payment_state, move.octopus_payment_number = payment.state, payment.number

    def _compute_octopus_messages(self):
        for move in self:
            move.octopus_message = move._octopus_booking("invoice").message
            move.octopus_payment_message = move._octopus_booking("payment").message
            balancing = move._octopus_booking("balancing")
            move.octopus_balancing_state, move.octopus_balancing_message = balancing.state, balancing.message

    def _compute_octopus_attempt_count(self):
        counts = dict(
            self.env["octopus.push.attempt"]._read_group([("move_id", "in", self.ids)], ["move_id"], ["__count"])
        )
        for move in self:
            move.octopus_attempt_count = counts.get(move, 0)

    @api.depends("octopus_state")
    def _compute_show_reset_to_draft_button(self):
        """A move booked in Octopus shows only the Octopus manager's own reset (keeping the booking)."""
        res = super()._compute_show_reset_to_draft_button()
        self.filtered(lambda m: m.octopus_state == "sent").show_reset_to_draft_button = False
        return res

    def _octopus_booking(self, kind):
        return self.octopus_booking_ids.filtered(lambda b: b.kind == kind)[:1]

    # -- posting queues, never sends -------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._octopus_queue()
        return posted

    def _octopus_pushable(self):
        """Invoices, credit notes, bills and refunds of a company linked through an active connection.

        A deactivated connection (e.g. a neutralised copy of the database) queues nothing.
        """
        moves = self.filtered(lambda move: move.move_type in PUSHED_TYPES)
        if not moves:
            return moves
        # one query rather than the computed company.octopus_dossier_id per move: this runs at every posting
        # sudo: which companies are linked is no secret, but dossiers are readable by Octopus users only
        linked = (
            self.env["octopus.dossier"]
            .sudo()
            .search_fetch(
                [("company_id", "in", moves.company_id.ids), ("connection_id.active", "=", True)], ["company_id"]
            )
        )
        return moves.filtered(lambda move: move.company_id in linked.company_id)

    def _octopus_queue(self):
        """Create the invoice bookings, due now, and wake the cron up after the commit. No network here.

        Posting must stay as fast as without the addon (bench/: posting overhead), so the checks that
        need no network run here only for companies that asked to block posting on them; otherwise the
        cron runs them seconds later, before sending, and marks the booking failed with the fix to make.
        """
        moves = self._octopus_pushable()
        for move in moves.filtered(lambda m: m.octopus_state == "sent"):
            # Reset to draft by a manager and posted again: Octopus keeps the first booking.
            move._message_log(
                body=self.env._(
                    "Already booked in Octopus as %(number)s: not sent again. Changes must be booked in Octopus "
                    "(e.g. a credit note).",
                    number=move.octopus_number,
                )
            )
        moves = moves.filtered(lambda m: m.octopus_state != "sent")
        if not moves:
            return
        blocking = {
            move: found
            for move in moves.filtered(lambda m: m.company_id.octopus_check_at_post)
            if (found := self.env["octopus.booking"]._invoice_problems(move))
        }
        if blocking:
            raise UserError(
                "\n".join(
                    self.env._(
                        "%(move)s cannot be booked in Octopus: %(problems)s",
                        move=move.display_name,
                        problems=" ".join(found),
                    )
                    for move, found in blocking.items()
                )
            )
        # sudo: bookings are the addon's outbox, queued for whoever posts
        bookings = self.env["octopus.booking"].sudo()
        bookings.create(
            [
                {"move_id": move.id, "kind": "invoice", "next_try": fields.Datetime.now()}
                for move in moves
                if not move._octopus_booking("invoice")
            ]
        )
        bookings._wake_jobs()

    # -- reset to draft, cancel --------------------------------------------------------------------

    def button_draft(self):
        """A booked move stays booked in Octopus: refuse, unless an Octopus manager forces it."""
        sent = self.filtered(lambda m: m.octopus_state == "sent")
        if sent and not self.env.context.get("octopus_force_reset"):
            raise UserError(
                self.env._(
                    "%(moves)s is booked in Octopus (%(numbers)s) and Octopus keeps that booking. Book a credit note "
                    "instead; an Octopus manager can still force the reset to draft.",
                    moves=", ".join(sent.mapped("display_name")),
                    numbers=", ".join(n for n in sent.mapped("octopus_number") if n) or "-",
                )
            )
        if sent and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only an Octopus manager may reset a move booked in Octopus to draft."))
        busy = self.octopus_booking_ids.filtered(lambda b: b.state in ("sending", "uncertain") or b.check_needed)
        if busy:
            raise UserError(
                self.env._(
                    "%(moves)s is being sent to Octopus, or Odoo is checking whether Octopus stored it. Wait until it "
                    "shows Sent or Failed.",
                    moves=", ".join(busy.move_id.mapped("display_name")),
                )
            )
        res = super().button_draft()
        # Bookings still in the queue (or held as a possible duplicate) simply leave it; a re-post
        # queues them again. sudo: see _octopus_queue
        leaving = self.octopus_booking_ids.filtered(lambda b: b.state in ("to_send", "waiting", "failed", "held"))
        for move in leaving.filtered(lambda b: b.state == "held").move_id:
            self.env["octopus.dossier"]._octopus_answered(
                move, DUPLICATE_ACTIVITY_XMLID, self.env._("Reset to draft by %(user)s.", user=self.env.user.name)
            )
        leaving.sudo().unlink()
        for move in sent:
            move._message_log(
                body=self.env._(
                    "Reset to draft by %(user)s although booked in Octopus as %(number)s; Octopus keeps that booking.",
                    user=self.env.user.name,
                    number=move.octopus_number,
                )
            )
        return res

    # -- buttons ----------------------------------------------------------------------------------

    def action_octopus_send_now(self):
        """Send these moves now, through the push's own loop (the posting transaction is long committed)."""
        if not self.filtered("octopus_state"):
            raise UserError(self.env._("These moves are not for Octopus: post them first."))
        bookings = self.octopus_booking_ids.filtered(lambda b: b.state in QUEUEABLE)
        return bookings.sudo()._send_now(self.filtered("octopus_state"))  # sudo: see _octopus_queue

    def action_octopus_retry(self):
        """Put failed or waiting bookings back in the queue; the background job sends them right away."""
        bookings = self.octopus_booking_ids.filtered(lambda b: b.state in ("failed", "waiting"))
        if not bookings:
            raise UserError(self.env._("Only failed or waiting Octopus pushes can be retried."))
        bookings.sudo()._requeue()  # sudo: see _octopus_queue
        bookings._trigger_push()
        return bookings.move_id._octopus_queued_notification()

    def _octopus_queued_notification(self):
        """The toast of Retry / Send now from the monitor: what was queued, by its name."""
        if len(self) == 1:
            message = self.env._("%(move)s queued: it is sent to Octopus in a moment.", move=self.display_name)
        else:
            message = self.env._("%(count)s invoices queued: they are sent to Octopus in a moment.", count=len(self))
        return self.env["octopus.connection"]._notify(
            self.env._("Octopus"), message, "success", {"type": "ir.actions.client", "tag": "soft_reload"}
        )

    def action_octopus_mark_sent(self):
        """For an Octopus manager who booked the move in Octopus by hand, or balanced its payment there
        (Octopus refuses a second balancing): stop pushing it. A payment or balancing booking only once
        it failed or waits: a queued one is the job's."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only an Octopus manager may mark a move as sent to Octopus."))
        self.octopus_booking_ids.filtered(
            lambda b: b.state in (QUEUEABLE if b.kind == "invoice" else ("failed", "waiting"))
        ).sudo()._mark_sent_by_hand()  # sudo: see _octopus_queue
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_octopus_send_anyway(self):
        """Possible duplicate: book the bill in Octopus all the same (Octopus managers)."""
        return self.octopus_booking_ids.action_octopus_send_anyway()

    def action_octopus_adopt_duplicate(self):
        """Possible duplicate: the Octopus booking that matched becomes this bill's (Octopus managers)."""
        return self.octopus_booking_ids.action_octopus_adopt_duplicate()

    def action_octopus_force_draft(self):
        """Manager button: reset a booked move to draft; Octopus keeps its booking."""
        return self.with_context(octopus_force_reset=True).button_draft()

    def action_octopus_open_attempts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Octopus attempts of %(move)s", move=self.display_name),
            "res_model": "octopus.push.attempt",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
            "context": {"create": False},
        }

    def _octopus_result_notification(self, busy):
        """What "Send now" did, per move, in the user's language (`busy`: moves another run is sending)."""
        labels = dict(self._fields["octopus_state"]._description_selection(self.env))
        lines = []
        for move in self:
            move.invalidate_recordset()
            text = labels.get(move.octopus_state, "")
            if move.octopus_number:
                text = f"{text} {move.octopus_number}"
            if move in busy:
                text = f"{text}: {self.env._('already being sent by the background job.')}"
            elif move.octopus_state != "sent" and move.octopus_message:
                text = f"{text}: {move.octopus_message}"
            lines.append(f"{move.display_name}: {text}")
        kind = "success" if all(m.octopus_state == "sent" for m in self) else "warning"
        return self.env["octopus.connection"]._notify(
            self.env._("Octopus"), "\n".join(lines), kind, {"type": "ir.actions.client", "tag": "soft_reload"}
        )
