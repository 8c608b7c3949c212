import logging

import requests

from odoo import api, fields, models

from ..octopus import errors
from .account_move_pdf import multi_page_runs
from .octopus_push_run import Budget, PushSession

_logger = logging.getLogger(__name__)

# Invoices taken (row-locked) per commit of the PDF job when the build renders several per run; one
# otherwise, so that a booking is never held longer than its own rendering.
PDF_BATCH = 10


class OctopusBooking(models.Model):
    """The PDF job: a second cron renders the legal PDFs of queued invoices ahead of the push, on the
    other cron worker, so the push only sends them; and it attaches afterwards the PDF of an invoice
    booked without one (rendering failed then), through the attachment endpoint (ref §4.8)."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    pdf_follows = fields.Boolean(
        string="PDF follows",
        readonly=True,
        copy=False,
        help="Booked without its PDF (Odoo could not render it then): the PDF is attached in Octopus afterwards.",
    )

    @api.model
    def _cron_prepare_pdfs(self):
        """The scheduled PDF job, within the run's time budget (issue 19) like the push."""
        with_commit = self.env["account.move"]._can_commit()
        budget = Budget()
        # sudo: the outbox is the addon's (see _push_loop)
        bookings = self.sudo().with_context(octopus_count_apart=True) if with_commit else self.sudo()
        bookings._pdf_rounds(
            bookings._pdf_to_prepare_domain(),
            lambda batch: batch.move_id._octopus_render_legal_pdfs(),
            budget,
            with_commit,
        )
        session = PushSession()
        try:
            bookings._pdf_rounds(
                bookings._pdf_to_attach_domain(),
                lambda batch: batch._attach_pdf_batch(session),
                budget,
                with_commit,
            )
        finally:
            session.close()
            self.env.invalidate_all()

    def _pdf_rounds(self, domain, work, budget, with_commit):
        """Row-lock a few bookings of `domain` at a time (skipping those the push holds: it
        renders them itself), `work` on them, commit; until none is left or the budget is used."""
        size = PDF_BATCH if multi_page_runs() else 1
        # A clash in `work`: the push wrote the same move meanwhile; those wait for the next run.
        self._take_turns(lambda: domain, work, budget, with_commit, size=size)
        if with_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _pdf_to_prepare_domain(self):
        """Queued customer invoices that will send a PDF and have no legal PDF yet. Number-follows
        journals are left to the push: their PDF shows the Octopus number, known after booking."""
        return [
            ("kind", "=", "invoice"),
            ("state", "in", ("to_send", "waiting")),
            ("check_needed", "=", False),
            ("move_id.move_type", "in", ("out_invoice", "out_refund")),
            ("move_id.invoice_pdf_report_file", "=", False),
            ("move_id.journal_id.octopus_number_follows", "=", False),
            ("company_id.octopus_dossier_ids.connection_id.active", "=", True),
        ]

    @api.model
    def _pdf_to_attach_domain(self):
        return [
            ("kind", "=", "invoice"),
            ("state", "=", "sent"),
            ("pdf_follows", "=", True),
            ("company_id.octopus_dossier_ids.connection_id.active", "=", True),
        ]

    def _attach_pdf_batch(self, session):
        """The PDF of invoices booked without one, rendered now and attached to their booking. One more
        render that fails, or a refusal by Octopus, ends with a note; an unreachable Octopus is tried again."""
        failed = self.move_id._octopus_render_legal_pdfs()
        for booking in self:
            booking = booking._with_audience("cron")  # noqa: PLW2901 (the notes speak the company's language)
            move = booking.move_id
            if move in failed:
                booking._pdf_given_up(failed[move])
                continue
            legal = move._get_invoice_legal_documents("pdf")
            try:
                session.api(booking.company_id.octopus_dossier_id).add_booking_attachment(
                    booking.bookyear_id.octopus_key,
                    booking.journal_key,
                    booking.document_nr,
                    legal["filename"],
                    legal["content"],
                )
            except (errors.TransientError, requests.RequestException) as exc:
                _logger.info("Octopus booking %s: PDF not attached yet (%s); tried again later.", booking.id, exc)
                continue
            except errors.OctopusError as exc:
                booking._pdf_given_up(booking.env._("Octopus refused it (%(error)s).", error=exc))
                continue
            booking.pdf_follows = False
            booking._note(booking.env._("The invoice PDF is now attached to its booking in Octopus."))

    def _pdf_given_up(self, why):
        self.pdf_follows = False
        self._note(
            self.env._(
                "The invoice PDF could not be attached in Octopus: %(why)s Attach it to booking %(number)s in "
                "Octopus by hand.",
                why=why,
                number=self.number,
            )
        )
