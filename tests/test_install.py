from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    """The addon installs beside l10n_be and its models, cron and groups are there."""

    def test_models_cron_and_groups_exist(self):
        for model in (
            "octopus.connection",
            "octopus.dossier",
            "octopus.bookyear",
            "octopus.bookyear.period",
            "octopus.journal",
            "octopus.journal.year",
            "octopus.account",
            "octopus.vat.code",
            "octopus.push.attempt",
        ):
            self.assertIn(model, self.env)
        cron = self.env.ref("account_octopus.ir_cron_octopus_push")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "hours"))
        self.assertTrue(self.env["ir.module.module"].search([("name", "=", "l10n_be"), ("state", "=", "installed")]))
        manager = self.env.ref("account.group_account_manager")
        self.assertIn(self.env.ref("account_octopus.group_octopus_manager"), manager.implied_ids)
