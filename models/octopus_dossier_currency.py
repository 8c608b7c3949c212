import logging
from datetime import timedelta

from odoo import fields, models

from ..octopus import errors

_logger = logging.getLogger(__name__)

CURRENCIES_MAX_AGE = timedelta(days=1)  # GET /currencies allows 2 calls a day (ref §5.8): read once


class OctopusDossier(models.Model):
    """The currencies a dossier books in, read from Octopus at most once a day."""

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    currency_codes = fields.Char(
        string="Octopus currencies",
        readonly=True,
        help="ISO codes of the currencies the Octopus dossier knows, read at most once a day.",
    )
    currencies_read_at = fields.Datetime(string="Currencies read on", readonly=True)

    def _octopus_currencies(self, dossier_api):
        """The dossier's currency codes, read again when older than a day; None when never read (the
        daily limit was reached before the first read): Octopus itself then judges the currency."""
        self.ensure_one()
        now = fields.Datetime.now()
        if not self.currencies_read_at or self.currencies_read_at < now - CURRENCIES_MAX_AGE:
            try:
                codes = dossier_api.get_currencies()
            except errors.DailyLimitReached:
                _logger.info("Octopus dossier %s: currencies not read again today (daily limit)", self.id)
            else:
                self.write({"currency_codes": " ".join(sorted(set(codes))), "currencies_read_at": now})
        return set(self.currency_codes.split()) if self.currencies_read_at else None

    def _octopus_currency_problems(self, currency, dossier_api):
        """Sentences for a document currency Octopus does not hold in this dossier."""
        known = self._octopus_currencies(dossier_api)
        if known is None or currency.name in known:
            return []
        return [
            self.env._(
                "Octopus dossier %(dossier)s does not know the currency %(currency)s (it knows %(known)s): ask the "
                "accountant to add it in Octopus, then press Send to Octopus.",
                dossier=self.display_name,
                currency=currency.name,
                known=", ".join(sorted(known)) or "-",
            )
        ]
