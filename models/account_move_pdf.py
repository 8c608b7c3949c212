import logging
import subprocess
from collections import defaultdict

from odoo import models

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)

# Whether the installed wkhtmltopdf renders several input pages in one run, found out once per process
# (binary path -> bool). Debian's build (unpatched Qt) exits 1 with no output on a second page; the
# patched build Odoo recommends has no such limit and says "with patched qt" in its version.
MULTI_PAGE = {}


def multi_page_runs():
    binary = _get_wkhtmltopdf_bin()
    if binary not in MULTI_PAGE:
        try:
            out = subprocess.run([binary, "--version"], capture_output=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = b""
        MULTI_PAGE[binary] = b"patched qt" in out.lower()
    return MULTI_PAGE[binary]


class AccountMove(models.Model):
    """The invoice's legal PDF (Odoo's `invoice_pdf_report_id`) rendered by the addon exactly as Send &
    Print would: the same report, the same attachment. Send by e-mail later reuses it, so the customer
    and Octopus get the same file and no invoice is rendered twice."""

    # account.move's Octopus side is split by concern (account_move*.py).
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _octopus_render_legal_pdfs(self):
        """Render and keep the legal PDF of these customer documents that have none; several per
        wkhtmltopdf run when the installed build can. Returns {move: why it has none} for the others."""
        todo = self.filtered(lambda m: m.is_sale_document() and not m.invoice_pdf_report_id)
        groups = defaultdict(lambda: self.browse())
        send = self.env["account.move.send"]
        for move in todo:
            groups[send._get_default_pdf_report_id(move), move.company_id] |= move
        failed = {}
        for (report, _company), moves in groups.items():
            if len(moves) > 1 and multi_page_runs():
                failed.update(moves._octopus_render_run(report))
            else:
                for move in moves:
                    failed.update(move._octopus_render_run(report))
        return failed

    def _octopus_render_run(self, report):
        """One wkhtmltopdf run for these moves; a run of several that fails is done again one by one."""
        try:
            with self.env.cr.savepoint(flush=False):
                reports = self.env["ir.actions.report"].with_company(self.company_id)
                content, report_type = reports._pre_render_qweb_pdf(report.report_name, self.ids)
                if report_type == "pdf":
                    content = reports._get_splitted_report(report.report_name, content, report_type)
        except Exception as exc:  # noqa: BLE001 (no renderer, broken template: the booking goes without the PDF)
            if len(self) > 1:
                return self._octopus_render_one_by_one(report, exc)
            _logger.warning("Invoice PDF of move %s not rendered (%s)", self.id, exc)
            return {self: self.env._("Booked without a PDF: Odoo could not render it (%(error)s).", error=exc)}
        if report_type != "pdf":
            note = self.env._("Booked without a PDF: the report renderer gave %(type)s, not a PDF.", type=report_type)
            return dict.fromkeys(self, note)
        rendered = self.filtered(lambda m: content.get(m.id))
        failed = (self - rendered)._octopus_render_one_by_one(report, None) if rendered != self else {}
        rendered._octopus_keep_legal_pdfs(content)
        return failed

    def _octopus_render_one_by_one(self, report, exc):
        """A run of several pages failed or could not be split: each alone. When every one renders
        alone, the build is one that cannot take several pages; later runs render one by one."""
        _logger.info("Invoice PDFs of %s moves rendered one by one (%s)", len(self), exc or "not split")
        failed = {}
        for move in self:
            failed.update(move._octopus_render_run(report))
        if not failed:
            MULTI_PAGE[_get_wkhtmltopdf_bin()] = False
        return failed

    def _octopus_keep_legal_pdfs(self, content):
        """Odoo's own attachment of Send & Print (account.move.send._link_invoice_documents), without
        marking the invoice as sent: the customer has not received it."""
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": move._get_invoice_report_filename(),
                    "raw": content[move.id],
                    "mimetype": "application/pdf",
                    "res_model": move._name,
                    "res_id": move.id,
                    "res_field": "invoice_pdf_report_file",
                }
                for move in self
            ]
        )
        for move, attachment in zip(self, attachments, strict=True):
            if not move.message_main_attachment_id:
                move.message_main_attachment_id = attachment
        self.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
