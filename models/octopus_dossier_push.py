from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo import fields, models

from .account_move import CRON_XMLID, MANAGER_GROUP

LOCK_RETRY = timedelta(hours=1)
NEXT_DAY_MARGIN = timedelta(minutes=5)


class OctopusDossier(models.Model):
    """The push's view of a dossier: paused while its journal is open in Octopus or its daily
    limit is reached, so the other invoices wait without calling Octopus.

    Lock notification: one internal note on the dossier that notifies the company's Octopus
    managers and the salespeople of the waiting invoices, once per lock (not once per invoice).
    A note rather than an activity: the dossier has no activities, the note lands in each
    person's Odoo inbox, and the dossier's chatter keeps the history of locks.
    """

    _inherit = "octopus.dossier"

    push_paused_until = fields.Datetime(string="Pushes paused until", readonly=True, copy=False)
    push_pause_reason = fields.Selection([("lock", "Journal open in Octopus"), ("limit", "Daily limit reached")],
                                         readonly=True, copy=False)
    push_lock_notified = fields.Boolean(readonly=True, copy=False)

    def _octopus_push_paused(self):
        self.ensure_one()
        return bool(self.push_paused_until and self.push_paused_until > fields.Datetime.now())

    def _octopus_pause_push(self, reason):
        """Pause this dossier's pushes: an hour for a lock, until tomorrow (UTC) for a daily limit."""
        self.ensure_one()
        until = self._octopus_resume_time(reason)
        # sudo: any invoicing user's push may pause the dossier; the fields belong to the push
        self.sudo().write({"push_paused_until": until, "push_pause_reason": reason})
        return until

    def _octopus_resume_time(self, reason):
        """When to try again: an hour after a lock, tomorrow (UTC, like the call counters) after a limit."""
        now = fields.Datetime.now()
        if reason == "lock":
            return now + LOCK_RETRY
        return datetime.combine(now.date() + timedelta(days=1), time.min) + NEXT_DAY_MARGIN

    def _octopus_notify_lock(self, move):
        """Tell the people responsible for the company, once per lock."""
        self.ensure_one()
        if self.push_lock_notified:
            return
        waiting = self.env["account.move"].search([("company_id", "=", self.company_id.id),
                                                   ("octopus_state", "in", ("to_send", "waiting"))])
        users = self._octopus_responsible_users() | (waiting | move).invoice_user_id.filtered(
            lambda u: u.active and not u.share)
        body = Markup("<p>%s</p>") % self.env._(
            "Octopus refuses bookings for %(company)s: a journal of dossier %(dossier)s is open by another user in "
            "Octopus. The invoices wait (first one: %(move)s); Odoo tries again every hour and sends them all as "
            "soon as the journal is closed in Octopus (Retry on a waiting invoice tries at once). If it lasts, ask "
            "whoever has it open in Octopus to close it.",
            company=self.company_id.name, dossier=self.display_name, move=move.display_name)
        # sudo: the note is the addon's, posted for whichever user's push met the lock
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note", partner_ids=users.partner_id.ids)
        self.sudo().push_lock_notified = True

    def _octopus_responsible_users(self):
        group = self.env.ref(MANAGER_GROUP)
        return self.env["res.users"].search([("groups_id", "in", group.id), ("share", "=", False),
                                             ("company_ids", "in", self.company_id.id)])

    def _octopus_wake(self):
        """A person asks to try now (Retry, or the cron run by hand): lift the pause, waiting moves due.

        A daily-limit pause costs nothing to lift: the call counter stops the first call again.
        """
        paused = self.filtered("push_paused_until")
        if not paused:
            return
        # sudo: see _octopus_pause_push
        paused.sudo().write({"push_paused_until": False, "push_pause_reason": False})
        waiting = self.env["account.move"].search([("company_id", "in", paused.company_id.ids),
                                                   ("octopus_waiting_reason", "in", ("lock", "limit")),
                                                   ("octopus_next_try", ">", fields.Datetime.now())])
        waiting.write({"octopus_next_try": fields.Datetime.now()})

    def _octopus_push_resumed(self):
        """A booking went through: lift the pause, say so once, and send the waiting moves now."""
        self.ensure_one()
        if not (self.push_paused_until or self.push_lock_notified):
            return
        if self.push_lock_notified:
            self.sudo().message_post(body=Markup("<p>%s</p>") % self.env._(
                "Octopus accepts bookings again; the waiting invoices are being sent."),
                subtype_xmlid="mail.mt_note")
        # sudo: see _octopus_pause_push
        self.sudo().write({"push_paused_until": False, "push_pause_reason": False, "push_lock_notified": False})
        waiting = self.env["account.move"].search([("company_id", "=", self.company_id.id),
                                                   ("octopus_waiting_reason", "in", ("lock", "limit")),
                                                   ("octopus_next_try", ">", fields.Datetime.now())])
        if waiting:
            waiting.write({"octopus_next_try": fields.Datetime.now()})
            self.env.ref(CRON_XMLID)._trigger()
