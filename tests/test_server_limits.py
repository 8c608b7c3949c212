"""Issue 19 in small: Odoo's own server, threaded and `--workers=2 --max-cron-threads=1`, pushes a
few dozen invoices posted over XML-RPC while the sandbox injects faults, under limits short enough
that one run doing the whole backlog would exceed them. Odoo's log must show no limit warning, no
worker killed and no restart, and Octopus must hold every invoice exactly once.

Limits (MODES): the real and CPU limits are lowered to a little over the least each mode allows,
so that the push's budget (0.7 × limit − 35 s) is small and a push that ignored it would run past
the limit: the test checks that the push's laps add up to more than the limit (the sandbox answers
each call after LATENCY_MS, as a slow Octopus does, so that holds on a fast machine too), so Odoo
would have stopped a single run doing them all. The least each mode allows:
* threaded, 40 s: the slowest single booking (35 s: a timed-out call read twice, plus its PDF)
  must fit, as a run always takes its first booking (budget 0: one booking a run);
* multi-process, 120 s (Odoo's default): an idle cron worker sleeps up to 69 s between two polls
  (SLEEP_INTERVAL + pid % 10) after telling the watchdog it lives, and the jobs it then runs count
  against the same limit, so a run after a full sleep has 51 s (which is also how a 20 s limit
  lost its cron worker before any job ran); the budget is then 51 × 0.7 − 35 s, one booking a run.
The database is given with `-d`, so both modes load the registry before any cron cycle, as
production does.

The server runs in a subprocess against the test database: the run commits its own company,
customers and invoices through real cursors and removes them at the end, as test_fault_campaign.py
does. The logic is campaign/server_limits.py, shared with `bench/run limits`.
"""

import re
import shutil
import tempfile

from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import config

from odoo.addons.account_octopus.campaign.server_limits import MUST_BE_ZERO, Config, ServerRun

MODES = {"threaded": {"limit": 40, "invoices": 20}, "workers": {"limit": 120, "invoices": 45}}
LATENCY_MS = 1000


@tagged("post_install", "-at_install")
class TestServerLimits(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        assert cls.registry.test_cr is None, "needs real cursors, not the test cursor"

    def _run(self, mode):
        limit, invoices = MODES[mode]["limit"], MODES[mode]["invoices"]
        # Loud, not skipped: the run needs the configuration file the server is started with, and
        # wkhtmltopdf for the real PDFs whose rendering makes up most of a booking's time.
        self.assertTrue(config.rcfile, "the Odoo tests run without a configuration file: no server to start")
        self.assertTrue(shutil.which("wkhtmltopdf"), "wkhtmltopdf is missing: dev/test installs it")
        work = tempfile.mkdtemp(prefix=f"octopus_limits_{mode}_")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        run = ServerRun(
            self.registry,
            config.rcfile,
            get_db_name(),
            Config(
                mode=mode,
                invoices=invoices,
                limit_time_real=limit,
                latency_ms=LATENCY_MS,
                fault_seconds=30,  # a drop, a 5xx, two locks and a timeout (the injector's seeded order)
                settle_every=10,
                drain_minutes=10,
            ),
            work,
        )
        self.addCleanup(run.cleanup, remove=True)
        figures = run.setup().run().figures()
        with open(figures["log"], encoding="utf-8", errors="replace") as log:
            trouble = "".join(
                line for line in log if re.search(r" (WARNING|ERROR|CRITICAL) ", line) and "wkhtmltopdf:" not in line
            )[-3000:]
        shown = f"{figures}\nserver log warnings and errors:\n{trouble}"

        self.assertEqual(figures["invoices posted"], invoices, shown)
        for key in MUST_BE_ZERO:
            self.assertEqual(figures[key], 0, f"{key}: {shown}")
        self.assertEqual(figures["push job errors"], 0, shown)
        self.assertEqual(figures["failed"], 0, shown)
        # The test can fail: the backlog was more than one run may do within the limit ...
        self.assertGreater(figures["push job total s"], limit, shown)
        # ... so it went out in several runs, none of them near the limit.
        self.assertGreater(figures["push job runs"], 1, shown)
        self.assertLess(figures["longest push job run s"], limit, shown)
        self.assertTrue(figures["faults injected"], "faults were injected while the server pushed")

    def test_threaded_server(self):
        self._run("threaded")

    def test_multi_process_server(self):
        self._run("workers")
