# pylint: disable=odoo-addons-relative-import  # a script's helper run outside the addon package
"""Odoo's cron threads in the bench process, for the delay between posting and booking (issue 16).

Each runner does what odoo/service/server.py's cron_thread does: LISTEN on `cron_trigger` (the
NOTIFY of ir.cron._notifydb), wake up on it or after SLEEP_INTERVAL (60 s, plus the thread's
number), and run the ready jobs with ir.cron._process_jobs.
"""

import select
import threading

SLEEP_INTERVAL = 60  # odoo.service.server.SLEEP_INTERVAL


class CronRunners:
    def __init__(self, db_name, count=2):
        self.db_name = db_name
        self.count = count
        self.stopping = threading.Event()
        self.threads = []

    def __enter__(self):
        for number in range(self.count):
            thread = threading.Thread(target=self._run, args=(number,), daemon=True, name=f"bench-cron-{number}")
            thread.start()
            self.threads.append(thread)
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=SLEEP_INTERVAL + 30)

    def _run(self, number):
        import odoo  # noqa: PLC0415

        from odoo.addons.base.models.ir_cron import ir_cron  # noqa: PLC0415

        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            pg_conn = cr._cnx
            cr.execute("LISTEN cron_trigger")
            cr.commit()  # pylint: disable=invalid-commit
            while not self.stopping.is_set():
                # a short poll so that the bench can stop the runner; a wake-up is a NOTIFY or the interval
                waited = 0.0
                while not self.stopping.is_set() and waited < SLEEP_INTERVAL + number:
                    ready, _w, _x = select.select([pg_conn], [], [], 0.5)
                    waited += 0.5
                    if ready:
                        break
                pg_conn.poll()
                pg_conn.notifies.clear()
                if self.stopping.is_set():
                    break
                ir_cron._process_jobs(self.db_name)
