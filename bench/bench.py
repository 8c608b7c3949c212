# pylint: disable=odoo-addons-relative-import  # a script run outside the addon package: no relative import
"""Benchmarks of account_octopus against the sandbox (bench/README.md). Started by bench/run, which
provides PostgreSQL, a database with account_octopus + l10n_be and (for real PDFs) an Odoo HTTP
server; run by hand as

    python3 bench/bench.py -c odoo.conf -d DB [--quick] [--report-url URL] posting roundtrips ...

Odoo runs as a library in this process and the sandbox on a thread of it. Commits are real.
Prints one line per figure and merges the figures into bench/results/last.json.
"""

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

BENCHMARKS = ("posting", "roundtrips", "throughput", "pushwork", "backlog", "refresh", "history")
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "last.json")

# Issue sizes (the default) and the --quick ones.
SIZES = {
    "posting": (1000, 200),
    "roundtrips": (1000, 200),
    "throughput": (1000, 100),
    "backlog": (10000, 1000),
    "customers": (100, 20),
    "history": (1000, 120),
}
# The README's figures before issue 16 (2026-11-23), which the new ones are compared with.
PREVIOUS = {"throughput_wall_s_per_invoice": 1.357, "push_odoo_ms_per_invoice": 74, "posting_ratio": 1.11}
PER_DAY = 400  # invoices a busy dossier books in a day (ref §5.8: 400 booking inserts)


def bootstrap(conf, db):
    """Odoo as a library: configuration, addons path, registry."""
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn", "--no-http"])
    odoo.modules.module.initialize_sys_path()
    from odoo.modules.registry import Registry  # noqa: PLC0415

    return Registry(db)


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def figure(result, name, value, unit="", note=""):
    result[name] = value
    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
    say(f"  {name:<34} {shown} {unit}{('   ' + note) if note else ''}")


def verdict(met):
    return "target met" if met else "target NOT met"


class Bench:
    def __init__(self, registry, quick=False, report_url=None, conf=None, db=None):
        from odoo.addons.account_octopus.campaign import world  # noqa: PLC0415
        from odoo.addons.account_octopus.sandbox import SandboxServer  # noqa: PLC0415

        self.world = world
        self.SandboxServer = SandboxServer
        self.registry = registry
        self.quick = quick
        self.report_url = report_url
        self.conf, self.db = conf, db
        self.work = os.environ.get("BENCH_WORK", "/tmp")

    def size(self, name):
        return SIZES[name][1 if self.quick else 0]

    def cursor(self):
        return self.registry.cursor()

    def sandbox(self, dossiers):
        server = self.SandboxServer(seed=self.world.world_seed(dossiers)).start()
        server.state.enforce_limits = False  # volume runs: the addon's own counters are the limit
        return server

    def linked_company(self, env, server, dossier_id, name, payments=False):
        vat = self.world.be_vat(dossier_id)
        company = self.world.create_company(env, f"{name} {self.world.unique_tag()}", vat)
        dossier = self.world.link_company(env, company, server.url, payments=payments)
        return company, dossier

    def invoice_pdf(self, env, company_ids):
        """One invoice PDF rendered for real with wkhtmltopdf, the file that stands for every PDF when
        rendering is not what a benchmark measures."""
        move = env["account.move"].search(
            [("company_id", "in", company_ids), ("move_type", "=", "out_invoice"), ("state", "=", "posted")], limit=1
        )
        content, kind = env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", move.ids)
        env.cr.rollback()
        assert kind == "pdf", kind
        return content

    # -- 1 ---------------------------------------------------------------------------------------

    def posting(self):
        """Posting time, linked company vs. the same set-up without a link (queueing only, no network)."""
        w = self.world
        count, warmup = self.size("posting"), 20
        server = self.sandbox([w.dossier_seed(2001, "Posting linked", w.be_vat(2001))])
        result = {"invoices": count}
        try:
            with self.cursor() as cr:
                env = w.open_env(cr)
                linked, _dossier = self.linked_company(env, server, 2001, "Posting linked")
                plain = w.create_company(env, f"Posting not linked {w.unique_tag()}", w.be_vat(2002))
                partners = w.create_partners(env, self.size("customers"), 20000)
                drafts = {}
                for company in (linked, plain):
                    # same seed: both companies get the very same invoices
                    drafts[company.id] = w.create_moves(env, company, partners, count + warmup, seed=1, post=False)
                timings = {linked.id: [], plain.id: []}
                parts = {}
                before = sum(server.state.call_counts.values())  # the link's own calls are not the posting's
                with contextlib.ExitStack() as stack:
                    for cls, method in self.posting_parts():
                        stack.enter_context(w.timed_method(cls, method, parts))
                    self.post_alternating(env, (linked, plain), drafts, warmup, timings)
                queued = env["account.move"].search_count(
                    [("company_id", "=", linked.id), ("octopus_state", "=", "to_send")]
                )
                calls = sum(server.state.call_counts.values()) - before
                delays = self.posting_delays(env, linked, partners)
                w.archive_connections(env, [linked.id])
            t_linked, t_plain = sum(timings[linked.id]), sum(timings[plain.id])
            figure(result, "posting.linked_ms_per_invoice", 1000 * t_linked / count, "ms")
            figure(result, "posting.unlinked_ms_per_invoice", 1000 * t_plain / count, "ms")
            ratio = t_linked / t_plain
            figure(
                result,
                "posting.ratio",
                ratio,
                "",
                f"previous {PREVIOUS['posting_ratio']}; target <= 1.05: {verdict(ratio <= 1.05)}",
            )
            delays.sort()
            p95 = delays[max(int(len(delays) * 0.95) - 1, 0)] if delays else float("nan")
            figure(
                result,
                "posting.booked_p95_s",
                p95,
                "s",
                f"after posting, {len(delays)} invoices; target <= 60: {verdict(p95 <= 60)}",
            )
            if delays:
                figure(result, "posting.booked_median_s", delays[len(delays) // 2], "s")
                figure(result, "posting.booked_max_s", delays[-1], "s")
            if parts.get("_notifydb.calls"):
                # Odoo's own wake-up of the cron workers (a NOTIFY through a new connection, at commit)
                wakeup = parts["_notifydb"] / parts["_notifydb.calls"] * count
                figure(
                    result,
                    "posting.ratio_without_cron_wakeup",
                    (t_linked - wakeup) / t_plain,
                    "",
                    "(the same, less ir.cron._notifydb)",
                )
            for _cls, method in self.posting_parts():
                if parts.get(method + ".calls"):
                    figure(
                        result,
                        f"posting.in_{method.strip('_')}_ms",
                        1000 * parts[method] / (count + warmup),
                        "ms per invoice",
                    )
            figure(result, "posting.queued_to_send", queued, f"of {count + warmup}")
            figure(result, "posting.octopus_calls_while_posting", calls)
            result["method"] = (
                "One invoice per transaction (action_post + commit, as a user's click), "
                "linked and unlinked company alternating, same invoices; 20 warm-up posts each "
                "not counted."
            )
        finally:
            server.stop()
        return result

    def posting_delays(self, env, company, partners):
        """Seconds from posting to the booking in Octopus, with Odoo's two cron threads running
        (bench/wakeup.py): invoices posted one per transaction, one every 0.3 s."""
        from odoo.addons.account_octopus.bench.wakeup import CronRunners  # noqa: PLC0415

        w, cr = self.world, env.cr
        count = 30 if self.quick else 100
        env["octopus.booking"].sudo().search([("company_id", "=", company.id)]).unlink()  # the ratio's invoices
        # Wake-ups of the ratio's postings that no cron thread took (none ran then): a pending one would
        # stand for the postings below (_wake_jobs), and the runners would find it only after 60 s.
        env["ir.cron.trigger"].sudo().search([]).unlink()
        drafts = w.create_moves(env, company, partners, count, seed=3, post=False)
        pdf = self.invoice_pdf(env, [company.id])  # the invoices of the ratio are posted
        cr.commit()  # pylint: disable=invalid-commit
        posted_at = {}
        with w.fixed_pdf(pdf), CronRunners(self.db):
            for move_id in drafts:
                env["account.move"].with_context(allowed_company_ids=company.ids).browse(move_id).action_post()
                cr.commit()  # pylint: disable=invalid-commit
                posted_at[move_id] = datetime.now(timezone.utc).replace(tzinfo=None)
                time.sleep(0.3)
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                cr.execute("SELECT count(*) FROM account_move WHERE id = ANY(%s) AND octopus_state = 'sent'", [drafts])
                if cr.fetchone()[0] == count:
                    break
                cr.rollback()
                time.sleep(1)
        cr.execute(
            "SELECT move_id, min(create_date) FROM octopus_push_attempt WHERE outcome = 'sent' AND move_id = ANY(%s) "
            "GROUP BY move_id",
            [drafts],
        )
        booked = dict(cr.fetchall())
        # not booked within the 3 minutes: counted as 3 minutes late
        return [((booked[m] - posted_at[m]).total_seconds() if m in booked else 180.0) for m in drafts]

    @staticmethod
    def posting_parts():
        """The addon's posting hook, its no-network checks (run at posting only for companies that block
        posting on them) and Odoo's wake-up of the cron workers at commit, timed when they exist."""
        from odoo.addons.account_octopus.models import account_move, octopus_booking_document  # noqa: PLC0415
        from odoo.addons.base.models.ir_cron import ir_cron  # noqa: PLC0415

        return [
            (account_move.AccountMove, "_octopus_queue"),
            (octopus_booking_document.OctopusBooking, "_invoice_problems"),
            (ir_cron, "_notifydb"),
        ]

    @staticmethod
    def post_alternating(env, companies, drafts, warmup, timings):
        cr = env.cr
        for index in range(len(drafts[companies[0].id])):
            order = companies if index % 2 else companies[::-1]
            for company in order:
                move = (
                    env["account.move"].with_context(allowed_company_ids=company.ids).browse(drafts[company.id][index])
                )
                started = time.perf_counter()
                move.action_post()
                cr.commit()  # pylint: disable=invalid-commit
                if index >= warmup:
                    timings[company.id].append(time.perf_counter() - started)
            env.invalidate_all()

    # -- helpers for 2 and 3 --------------------------------------------------------------------------

    def push_day_by_day(self, env, company_ids, rolled, batch_size=50):
        """Drain with the cron; before a batch would pass 400 bookings in the addon's counter, start a
        new day (counter table emptied, its counts kept in `rolled`)."""
        w = self.world
        cr = env.cr

        def roll(_calls):
            totals = w.counter_totals(cr)
            if totals.get("POST /buysellbookings", 0) + batch_size > PER_DAY:
                w.add_counts(rolled, totals)
                w.reset_counters(cr)
                rolled["__days__"] = rolled.get("__days__", 1) + 1

        rolled.setdefault("__days__", 1)
        batches = w.run_cron_until_idle(env, company_ids, batch_size=batch_size, after_batch=roll)
        w.add_counts(rolled, w.counter_totals(cr))
        w.reset_counters(cr)
        return batches

    def push_world(
        self, name, dossier_id, customers_from, latency_ms=0, real_pdf=False, pdf_worker=False, prepared=False
    ):
        """A linked company with `count` invoices to 100 customers, pushed; calls and times.

        `real_pdf`: wkhtmltopdf renders each PDF (else one real PDF stands for all); `pdf_worker`: the
        PDF job runs meanwhile in a process of its own, as a second cron worker; `prepared`: the legal
        PDFs exist before the push starts (the push's own work, without rendering)."""
        from odoo.addons.account_octopus.bench import render  # noqa: PLC0415
        from odoo.addons.account_octopus.sandbox import server as sandbox_server  # noqa: PLC0415

        w = self.world
        count = self.size(name)
        server = self.sandbox([w.dossier_seed(dossier_id, name, w.be_vat(dossier_id))])
        out = {"invoices": count}
        try:
            with self.cursor() as cr:
                env = w.open_env(cr)
                company, _dossier = self.linked_company(env, server, dossier_id, name.title())
                partners = w.create_partners(env, self.size("customers"), customers_from)
                ids = w.create_moves(env, company, partners, count, seed=2)
                pdf = None if real_pdf else self.invoice_pdf(env, [company.id])
                if prepared:
                    with w.fixed_pdf(pdf):
                        for _run in range(20):  # each run within its time budget, until all are ready
                            env["octopus.booking"]._cron_prepare_pdfs()
                            if not env["account.move"].search_count(
                                [("id", "in", ids), ("invoice_pdf_report_file", "=", False)]
                            ):
                                break
                assets = render.asset_seconds_per_run(env, env["account.move"].browse(ids[0])) if real_pdf else (0, 0)
                print_delay = int(env["ir.config_parameter"].sudo().get_param("report.print_delay", "1000"))
                cr.commit()  # pylint: disable=invalid-commit
                w.reset_counters(cr)
                env.invalidate_all()
                server.state.latency_ms = latency_ms
                before = w.sandbox_calls(server.state)
                rolled, timings = {}, {}
                stop_worker = (
                    render.start_pdf_worker(os.path.abspath(__file__), self.conf, self.db, company.id, self.work)
                    if pdf_worker
                    else None
                )
                started, cpu = time.perf_counter(), time.thread_time()
                stack, parts = render.timed_parts(w)
                with stack:
                    for cls, method in self.push_parts():
                        stack.enter_context(w.timed_method(cls, method, timings))
                    # The stand-in's own answering (latency included), which real Octopus does on its servers
                    stack.enter_context(w.timed_method(sandbox_server._Handler, "_octopus", timings))
                    if pdf is not None:
                        stack.enter_context(w.fixed_pdf(pdf))
                    profile = profiler(prepared)
                    with profile:
                        batches = self.push_day_by_day(env, [company.id], rolled)
                wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
                worker = stop_worker() if stop_worker else {}
                calls = w.diff_counts(w.sandbox_calls(server.state), before)
                states = dict(env["account.move"]._read_group([("id", "in", ids)], ["octopus_state"], ["__count"]))
                stored = [b for b in server.state.bookings(dossier_id) if b["enteredBy"] == "api"]
                with_pdf = sum(1 for b in stored if b["attachments"])
                pdfs = env["account.move"].search_count([("id", "in", ids), ("invoice_pdf_report_file", "!=", False)])
                w.archive_connections(env, [company.id])
            out.update(
                wall=wall,
                cpu=cpu,
                batches=batches,
                calls=calls,
                counted=rolled,
                states=states,
                stored=len(stored),
                with_pdf=with_pdf,
                render=timings,
                render_push=parts,
                render_job=worker,
                pdfs=pdfs,
                assets=assets,
                print_delay_ms=print_delay,
                pdf_bytes=len(pdf or b""),
            )
        finally:
            server.stop()
        return out

    @staticmethod
    def push_parts():
        """Steps of the push timed for the throughput breakdown."""
        from odoo.addons.account_octopus.models import (  # noqa: PLC0415
            octopus_booking_document,
            octopus_booking_outcome,
            octopus_booking_pdf,
            octopus_booking_queue,
            octopus_relation_link,
        )

        return [
            (octopus_booking_queue.OctopusBooking, "_lock_due"),
            (octopus_booking_document.OctopusBooking, "_invoice_problems"),
            (octopus_booking_pdf.OctopusBooking, "_pdf_attachments"),
            (octopus_relation_link.OctopusRelationLink, "_octopus_relation_key"),
            (octopus_booking_document.OctopusBooking, "_booking_input"),
            (octopus_booking_outcome.OctopusBooking, "_apply_outcome"),
        ]

    # -- 6 ---------------------------------------------------------------------------------------

    def history(self):
        """Issue 14: a backlog of invoices posted before the link, queued by the history wizard with a
        reserve that spreads it over three days, sent day by day (simulated clock) while each day 20
        new invoices are posted. Printed: days, bookings per day, duplicates, new invoices first."""
        w = self.world
        count, new_per_day, dossier_id = self.size("history"), 20, 1414
        server = self.sandbox([w.dossier_seed(dossier_id, "History", w.be_vat(dossier_id))])
        result = {"backlog": count}
        try:
            with self.cursor() as cr:
                env = w.open_env(cr)
                company, dossier = self.linked_company(env, server, dossier_id, "History")
                partners = w.create_partners(env, self.size("customers"), 14000)
                ids = w.create_moves(env, company, partners, count, seed=14)
                env["account.move"].browse(ids).octopus_booking_ids.sudo().unlink()  # posted before the link
                cr.commit()  # pylint: disable=invalid-commit
                pdf = self.invoice_pdf(env, [company.id])
                w.reset_counters(cr)
                per_day = -(-count // 3)  # earlier invoices a day; the reserve is for the new ones
                wizard = env["octopus.history.wizard"].create(
                    {"dossier_id": dossier.id, "date_from": f"{w.INVOICE_YEAR}-01-01", "reserve": 400 - per_day}
                )
                figure(result, "history.wizard_moves", wizard.move_count, f"of {count}")
                figure(result, "history.wizard_days", wizard.days_needed, "days")
                wizard.action_queue()
                cr.commit()  # pylint: disable=invalid-commit
                days, first_ok, booked, started = [], True, [], time.perf_counter()
                with w.Clock(server.state) as clock, w.fixed_pdf(pdf):
                    while len(days) < 10 and env["octopus.booking"].search_count(w.pending_domain([company.id])):
                        refs, new_names = history_day(
                            env, w, company, partners, new_per_day, len(days), len(booked), server, dossier_id
                        )
                        first_ok &= set(refs[: len(new_names)]) == new_names
                        booked += refs
                        days.append(len(refs))
                        clock.new_day(cr)
                        cr.commit()  # pylint: disable=invalid-commit
                wall = time.perf_counter() - started
                states = dict(
                    env["account.move"]._read_group([("company_id", "=", company.id)], ["octopus_state"], ["__count"])
                )
                w.archive_connections(env, [company.id])
            figure(result, "history.days", len(days), "simulated days", f"target 3: {verdict(len(days) == 3)}")
            figure(result, "history.booked_per_day", days)
            figure(result, "history.sent", states.get("sent", 0), f"of {count + new_per_day * len(days)}")
            duplicates = len(booked) - len(set(booked))
            figure(result, "history.duplicates", duplicates, "", f"target 0: {verdict(duplicates == 0)}")
            figure(result, "history.new_invoices_first", first_ok, "each day", verdict(first_ok))
            figure(result, "history.wall", wall, "s")
        finally:
            server.stop()
        return result

    # -- 2 ---------------------------------------------------------------------------------------

    def roundtrips(self):
        from odoo.addons.account_octopus.octopus.limits import DAILY_LIMITS  # noqa: PLC0415

        run = self.push_world("roundtrips", 2101, 30000)
        count = run["invoices"]
        result = {"invoices": count, "customers": self.size("customers")}
        total = sum(run["calls"].values())
        figure(result, "roundtrips.sent", run["states"].get("sent", 0), f"of {count}")
        figure(
            result,
            "roundtrips.stored_in_octopus",
            run["stored"],
            f"({run['with_pdf']} with the PDF inline, {run['pdf_bytes'] // 1024} KB each)",
        )
        figure(result, "roundtrips.calls_total", total)
        per = total / count
        figure(result, "roundtrips.calls_per_invoice", per, "", f"target <= 1.1: {verdict(per <= 1.1)}")
        say("  calls per path:")
        for path, calls in sorted(run["calls"].items(), key=lambda kv: -kv[1]):
            say(f"    {calls:>6}  {calls / count:6.3f}/invoice  {path}")
        result["calls_per_path"] = run["calls"]
        days = run["counted"].pop("__days__", 1)
        counted = run["counted"]
        say(
            f"  share of each daily limit used by a day of {PER_DAY} invoices "
            f"(calls the addon counted / {count} x {PER_DAY}; {days} days: counter table reset every {PER_DAY} "
            "bookings):"
        )
        shares = {}
        for operation, calls in sorted(counted.items()):
            limit = DAILY_LIMITS.get(operation)
            per_day = calls / count * PER_DAY
            shares[operation] = {
                "calls": calls,
                "per_day": round(per_day, 1),
                "limit": limit,
                "share": round(per_day / limit, 3) if limit else None,
            }
            share = f"{100 * per_day / limit:5.1f} % of {limit}" if limit else "no limit"
            say(f"    {operation:<34} {per_day:7.1f}/day  {share}")
        # Tokens live 10 minutes: pushes spread over a working day need a connect per 10 minutes at most.
        spread = 8 * 60 // 9.5
        say(
            f"    (POST /dossiers spread over an 8-hour day: at most {spread:.0f} connects, tokens being reused "
            f"for 9.5 minutes = {100 * spread / DAILY_LIMITS['POST /dossiers']:.0f} % of 150)"
        )
        result["daily_limit_shares"] = shares
        result["days_simulated"] = days
        return result

    # -- 3 ---------------------------------------------------------------------------------------

    def throughput(self):
        """Real PDFs at 30 ms of latency: the push and the PDF job (a second cron worker) side by side."""
        from odoo.addons.account_octopus.bench import render  # noqa: PLC0415

        latency = 30
        run = self.push_world("throughput", 2201, 40000, latency_ms=latency, real_pdf=True, pdf_worker=True)
        count = run["invoices"]
        result = {"invoices": count, "latency_ms": latency}
        calls = sum(run["calls"].values())
        floor = calls * latency / 1000
        push_render = run["render_push"].get("_octopus_render_legal_pdfs", 0.0)
        figure(result, "throughput.sent", run["states"].get("sent", 0), f"of {count}")
        figure(result, "throughput.wall_s", run["wall"], "s")
        figure(
            result,
            "throughput.wall_vs_previous",
            run["wall"] / (PREVIOUS["throughput_wall_s_per_invoice"] * count),
            "",
            f"(previous: {PREVIOUS['throughput_wall_s_per_invoice'] * count:.0f} s for {count}; "
            f"target <= 0.55: {verdict(run['wall'] <= 0.55 * PREVIOUS['throughput_wall_s_per_invoice'] * count)})",
        )
        figure(result, "throughput.invoices_per_minute", 60 * count / run["wall"])
        figure(result, "throughput.calls", calls)
        figure(result, "throughput.floor_s", floor, "s", f"(calls x {latency} ms)")
        figure(result, "throughput.with_pdf", run["with_pdf"], f"of {run['stored']} bookings carry their PDF inline")
        job_pdfs = run["render_job"].get("_octopus_keep_legal_pdfs.calls", 0)
        figure(
            result,
            "throughput.pdfs_by_the_pdf_job",
            job_pdfs,
            f"batches ({run['render_job'].get('_run_wkhtmltopdf.calls', 0)} wkhtmltopdf runs); the push rendered "
            f"{run['render_push'].get('_run_wkhtmltopdf.calls', 0)} itself in {push_render:.0f} s",
        )
        figure(result, "throughput.push_render_share", push_render / run["wall"], "", "(of the push's wall time)")
        totals = render.add(dict(run["render_push"]), run["render_job"])
        asset_s, asset_urls = run["assets"]
        parts = render.breakdown(totals, run["pdfs"], asset_s)
        say(f"  one invoice PDF, {parts['wkhtmltopdf_runs']} wkhtmltopdf runs for {run['pdfs']} PDFs (ms per PDF):")
        for key in (
            "qweb_to_html_ms",
            "cut_html_ms",
            "assets_ms",
            "wkhtmltopdf_process_ms",
            "pdf_post_processing_ms",
            "total_ms",
        ):
            say(f"    {parts[key]:8.1f}  {key[:-3]}")
        say(f"    (assets: {asset_urls} bundles, fetched by wkhtmltopdf for the body, header and footer of each run)")
        say(
            f"    (the wkhtmltopdf process waits {run['print_delay_ms']} ms per run for the page's JavaScript: "
            "Odoo's report.print_delay)"
        )
        result["render_ms_per_pdf"] = parts
        result["pdf_job_cpu_s"] = run["render_job"].get("cpu_s")
        return result

    def pushwork(self):
        """The push's own work at 30 ms of latency, the legal PDFs prepared before it starts: wall time
        against the floor, and the Odoo time per invoice (wall and CPU of the pushing thread)."""
        latency = 30
        run = self.push_world("throughput", 2501, 45000, latency_ms=latency, prepared=True)
        count = run["invoices"]
        result = {"invoices": count, "latency_ms": latency}
        calls = sum(run["calls"].values())
        floor = calls * latency / 1000
        figure(result, "pushwork.sent", run["states"].get("sent", 0), f"of {count}")
        figure(result, "pushwork.with_pdf", run["with_pdf"], "(prepared legal PDFs, inline)")
        figure(result, "pushwork.wall_s", run["wall"], "s")
        figure(result, "pushwork.floor_s", floor, "s", f"({calls} calls x {latency} ms)")
        ratio = run["wall"] / floor
        figure(result, "pushwork.wall_over_floor", ratio, "", f"target <= 1.3: {verdict(ratio <= 1.3)}")
        odoo_ms = 1000 * (run["wall"] - floor) / count
        figure(
            result,
            "pushwork.odoo_ms_per_invoice",
            odoo_ms,
            "ms",
            f"(wall - floor; previous {PREVIOUS['push_odoo_ms_per_invoice']} ms; "
            f"target <= 25: {verdict(odoo_ms <= 25)})",
        )
        figure(result, "pushwork.cpu_ms_per_invoice", 1000 * run["cpu"] / count, "ms", "(CPU of the pushing thread)")
        # The sandbox answers in this process (its thread takes the GIL): its work besides the latency is
        # Octopus' part of the wall time, not Odoo's.
        standin = max(run["render"].get("_octopus", 0.0) - floor, 0.0)
        figure(
            result,
            "pushwork.standin_ms_per_invoice",
            1000 * standin / count,
            "ms",
            "(the sandbox's own work per invoice besides the latency: Octopus' side)",
        )
        own = (run["wall"] - standin) / floor
        figure(
            result,
            "pushwork.odoo_wall_over_floor",
            own,
            "",
            f"(wall without the sandbox's own work, over the floor; target <= 1.3: {verdict(own <= 1.3)})",
        )
        figure(
            result,
            "pushwork.odoo_only_ms_per_invoice",
            1000 * (run["wall"] - standin - floor) / count,
            "ms",
            f"(wall - sandbox work - floor; target <= 25: {verdict((run['wall'] - standin - floor) / count <= 0.025)})",
        )
        say("  time per invoice in steps of the push (wall, includes their calls to Octopus):")
        steps = {}
        for _cls, method in self.push_parts():
            if run["render"].get(method + ".calls"):
                steps[method] = round(1000 * run["render"][method] / count, 1)
                say(f"    {steps[method]:8.1f} ms  {method}")
        result["steps_ms_per_invoice"] = steps
        return result

    # -- 4 ---------------------------------------------------------------------------------------

    def backlog(self):
        """10,000 moves queued while the dossier is locked, then drained by a separate process that is
        killed once mid-way (crash) and started again; its peak RSS growth is measured."""
        w = self.world
        count = self.size("backlog")
        dossier_id = 2301
        server = self.sandbox([w.dossier_seed(dossier_id, "Backlog", w.be_vat(dossier_id))])
        state = server.state
        result = {"moves": count}
        try:
            with self.cursor() as cr:
                env = w.open_env(cr)
                company, dossier = self.linked_company(env, server, dossier_id, "Backlog")
                partners = w.create_partners(env, self.size("customers"), 50000)
                started = time.perf_counter()
                ids = w.create_moves(env, company, partners, count, seed=4, mix=w.MOVE_MIX)
                figure(result, "backlog.create_and_post_s", time.perf_counter() - started, "s")
                pdf = self.invoice_pdf(env, [company.id])
                state.lock(dossier_id)
                before = w.sandbox_calls(state)
                started = time.perf_counter()
                w.run_cron_until_idle(env, [company.id])
                figure(
                    result,
                    "backlog.locked_run_s",
                    time.perf_counter() - started,
                    "s",
                    "(first move meets the lock, the others wait without a call)",
                )
                locked_calls = sum(w.diff_counts(w.sandbox_calls(state), before).values())
                figure(result, "backlog.calls_while_locked", locked_calls)
                waiting = env["account.move"].search_count([("id", "in", ids), ("octopus_state", "=", "waiting")])
                figure(result, "backlog.waiting", waiting, f"of {count}")
                dossier.invalidate_recordset()
                notes = env["mail.message"].search_count(
                    [
                        ("model", "=", "octopus.dossier"),
                        ("res_id", "=", dossier.id),
                        ("body", "ilike", "open by another user"),
                    ]
                )
                figure(result, "backlog.lock_notifications", notes)
                state.unlock(dossier_id)
                w.shift_deadlines(cr, state, 3600 + 60)  # the hourly retry comes
                w.reset_counters(cr)
            pdf_path = os.path.join(os.environ.get("BENCH_WORK", "/tmp"), "bench_invoice.pdf")
            with open(pdf_path, "wb") as handle:
                handle.write(pdf)
            # First drainer: killed (SIGKILL) once about a tenth is booked, as a crash would, at a moment
            # a move is "sending" (its request on the wire: 150 ms of latency keep that window open).
            kill_at = max(count // 10, 50)
            state.latency_ms = 150
            with self.cursor() as watch:

                def in_flight():
                    if len(state.bookings(dossier_id)) < kill_at:
                        return False
                    watch.execute(
                        "SELECT count(*) FROM octopus_booking WHERE company_id = %s AND state = 'sending'", [company.id]
                    )
                    found = watch.fetchone()[0]
                    watch.rollback()
                    return found

                crashed = self.drain_process(company.id, pdf_path, kill_when=in_flight)
            state.latency_ms = 0
            with self.cursor() as cr:
                env = w.open_env(cr)
                sent = env["account.move"].search_count([("id", "in", ids), ("octopus_state", "=", "sent")])
                sending = env["account.move"].search_count([("id", "in", ids), ("octopus_state", "=", "sending")])
                stored = len([b for b in state.bookings(dossier_id) if b["enteredBy"] == "api"])
                figure(result, "backlog.crash.sent_in_odoo", sent)
                figure(result, "backlog.crash.stored_in_octopus", stored)
                figure(result, "backlog.crash.left_sending", sending, "", "(checked in Octopus by the next run)")
                figure(
                    result,
                    "backlog.crash.stored_not_known_sent",
                    stored - sent,
                    "",
                    "(the request of the killed worker reached Octopus)",
                )
                result["crash_killed"] = crashed["killed"]
                w.shift_deadlines(cr, state, 11 * 60)  # "sending" left by a dead worker is taken back after 10 minutes
            drained = self.drain_process(company.id, pdf_path)
            figure(result, "backlog.drain_s", drained["wall"], "s", f"({drained['batches']} cron batches of 50)")
            figure(result, "backlog.drain_moves_per_minute", 60 * (count - sent) / drained["wall"])
            figure(result, "backlog.rss_start_mb", drained["rss_start"], "MB")
            figure(result, "backlog.rss_after_first_batch_mb", drained["rss_first"], "MB")
            figure(result, "backlog.rss_peak_mb", drained["rss_peak"], "MB")
            growth = drained["rss_peak"] - drained["rss_start"]
            figure(result, "backlog.rss_peak_growth_mb", growth, "MB", f"target < 50: {verdict(growth < 50)}")
            figure(result, "backlog.rss_growth_after_first_batch_mb", drained["rss_peak"] - drained["rss_first"], "MB")
            result["rss_per_batch_mb"] = drained["rss_batches"][::10]
            with self.cursor() as cr:
                env = w.open_env(cr)
                moves = env["account.move"].browse(ids)
                states = dict(env["account.move"]._read_group([("id", "in", ids)], ["octopus_state"], ["__count"]))
                stored = [b for b in state.bookings(dossier_id) if b["enteredBy"] == "api"]
                refs = {}
                for booking in stored:
                    refs[booking["booking"]["reference"]] = refs.get(booking["booking"]["reference"], 0) + 1
                names = set(moves.mapped("name"))
                figure(result, "backlog.sent", states.get("sent", 0), f"of {count}")
                figure(result, "backlog.duplicates", sum(n - 1 for n in refs.values() if n > 1))
                figure(result, "backlog.lost", len(names - set(refs)))
                result["states"] = states
                w.archive_connections(env, [company.id])
        finally:
            server.stop()
        return result

    def drain_process(self, company_id, pdf_path, kill_when=None):
        """Run the cron in a child process until nothing is due (or kill it when `kill_when()`)."""
        out = os.path.join(os.environ.get("BENCH_WORK", "/tmp"), f"drain_{os.getpid()}_{time.time():.0f}.json")
        cmd = [
            sys.executable,
            os.path.abspath(__file__),
            "-c",
            self.conf,
            "-d",
            self.db,
            "_drain",
            "--company",
            str(company_id),
            "--pdf",
            pdf_path,
            "--out",
            out,
        ]
        child = subprocess.Popen(cmd)  # noqa: S603
        killed = False
        while child.poll() is None:
            if kill_when and kill_when():
                child.send_signal(signal.SIGKILL)
                child.wait()
                time.sleep(1)  # a request already on the wire is still handled by Octopus
                killed = True
                break
            time.sleep(0.05)
        if killed:
            return {"killed": True}
        if child.returncode:
            raise RuntimeError(f"drain process failed ({child.returncode})")
        with open(out, encoding="utf-8") as handle:
            return json.load(handle)

    # -- 5 ---------------------------------------------------------------------------------------

    def refresh(self):
        w = self.world
        dossier_id = 2401
        seed = w.big_dossier_seed(dossier_id, "Refresh", w.be_vat(dossier_id), bookyears=10, journals=50, accounts=2000)
        server = self.sandbox([seed])
        result = {"bookyears": 10, "open_bookyears": 10, "journals": 50, "accounts": 2000}
        try:
            with self.cursor() as cr:
                env = w.open_env(cr)
                company = w.create_company(env, f"Refresh {w.unique_tag()}", w.be_vat(dossier_id))
                env = env(context={"allowed_company_ids": company.ids})
                company = company.with_env(env)
                connection = env["octopus.connection"].create(
                    {
                        "name": "Refresh sandbox",
                        "url": server.url,
                        "user": w.USER,
                        "company_id": company.id,
                        "password_input": w.PASSWORD,
                        "software_house_uuid": w.SOFTWARE_HOUSE_UUID,
                    }
                )
                connection.action_test_connection()
                company.action_octopus_link_dossier()
                dossier = company.octopus_dossier_id
                cr.commit()  # pylint: disable=invalid-commit
                for label in ("first", "again"):
                    before = w.sandbox_calls(server.state)
                    started = time.perf_counter()
                    dossier.action_sync_bookyears()
                    cr.commit()  # pylint: disable=invalid-commit
                    wall = time.perf_counter() - started
                    calls = w.diff_counts(w.sandbox_calls(server.state), before)
                    figure(result, f"refresh.{label}_sync_s", wall, "s")
                    figure(
                        result,
                        f"refresh.{label}_sync_calls",
                        sum(calls.values()),
                        "",
                        ", ".join(f"{n} {k.split(' ', 1)[1].split('/')[-1]}" for k, n in sorted(calls.items())),
                    )
                    result[f"{label}_calls_per_path"] = calls
                    dossier.invalidate_recordset()
                figure(
                    result,
                    "refresh.rows",
                    f"{len(dossier.bookyear_ids)} bookyears, {len(dossier.journal_ids)} "
                    f"journals, {len(dossier.account_ids)} accounts, {len(dossier.vat_code_ids)} VAT codes",
                )
                started = time.perf_counter()
                problems = dossier._mapping_problems()
                figure(
                    result,
                    "refresh.mapping_check_s",
                    time.perf_counter() - started,
                    "s",
                    f"({len(problems)} problems listed, no call)",
                )
                counted = w.counter_totals(cr)
                figure(
                    result,
                    "refresh.journal_reads_left_today",
                    24 - counted.get("GET /journals", 0),
                    "of 24",
                    "(GET /journals: one per open bookyear per refresh)",
                )
                w.archive_connections(env, [company.id])
        finally:
            server.stop()
        return result


def profiler(wanted):
    """cProfile of the push when BENCH_PROFILE names a file (pushwork only): `python3 -m pstats FILE`;
    BENCH_QUERIES names a file for the SQL census instead (each query counted by table and by the
    addon's line that caused it, to find what is read again after each commit)."""
    if wanted and os.environ.get("BENCH_QUERIES"):
        return query_census(os.environ["BENCH_QUERIES"])
    path = os.environ.get("BENCH_PROFILE")
    if not (wanted and path):
        return contextlib.nullcontext()
    import cProfile  # noqa: PLC0415

    @contextlib.contextmanager
    def profiling():
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            profile.dump_stats(path)

    return profiling()


@contextlib.contextmanager
def query_census(path):
    """Count the push's SQL queries by (first table, innermost line of the addon's models/ that led to it)."""
    import collections  # noqa: PLC0415
    import re  # noqa: PLC0415
    import traceback  # noqa: PLC0415

    from odoo import sql_db  # noqa: PLC0415

    counts = collections.Counter()
    execute = sql_db.Cursor.execute
    table = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)

    def counted(self, query, params=None, log_exceptions=True):
        text = query if isinstance(query, str) else str(getattr(query, "code", query))
        match = table.search(text)
        where = next(
            (
                f"{os.path.basename(f.filename)}:{f.lineno} {f.name}"
                for f in reversed(traceback.extract_stack(limit=40))
                if "/account_octopus/models/" in f.filename
            ),
            "?",
        )
        counts[(match.group(1) if match else text[:30], where)] += 1
        return execute(self, query, params, log_exceptions)

    sql_db.Cursor.execute = counted
    try:
        yield
    finally:
        sql_db.Cursor.execute = execute
        with open(path, "w", encoding="utf-8") as out:
            for (name, where), n in counts.most_common():
                out.write(f"{n:6d}  {name:40s} {where}\n")
            out.write(f"{sum(counts.values()):6d}  in all\n")


def history_day(env, w, company, partners, new_count, day, stored_before, server, dossier_id):
    """One simulated day of the history bench: post the day's new invoices, run the cron until nothing
    is due. Returns (references booked that day in number order, names of the day's new invoices)."""
    new_ids = w.create_moves(env, company, partners, new_count, seed=1400 + day)
    w.run_cron_until_idle(env, [company.id])
    stored = sorted(
        (b for b in server.state.bookings(dossier_id) if b["enteredBy"] == "api"), key=lambda b: b["documentSequenceNr"]
    )
    refs = [b["booking"]["reference"] for b in stored[stored_before:]]
    return refs, set(env["account.move"].browse(new_ids).mapped("name"))


def drain_main(args):
    """Child process of the backlog benchmark: the cron until nothing is due, RSS sampled."""
    registry = bootstrap(args.config, args.db)
    from odoo.addons.account_octopus.campaign import world  # noqa: PLC0415

    with open(args.pdf, "rb") as handle:
        pdf = handle.read()
    batches_rss = []
    with registry.cursor() as cr, world.fixed_pdf(pdf), world.RssSampler() as sampler:
        env = world.open_env(cr)

        def roll(_calls):
            batches_rss.append(round(world.rss_mb(), 1))
            if world.counter_totals(cr).get("POST /buysellbookings", 0) + 50 > PER_DAY:
                world.reset_counters(cr)  # a new day for the addon (see bench/README.md)

        started = time.perf_counter()
        batches = world.run_cron_until_idle(env, [args.company], after_batch=roll)
        wall = time.perf_counter() - started
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "wall": wall,
                "batches": batches,
                "rss_start": sampler.start_mb,
                "rss_first": batches_rss[0] if batches_rss else sampler.start_mb,
                "rss_peak": sampler.peak_mb,
                "rss_end": sampler.end_mb,
                "rss_batches": batches_rss,
            },
            handle,
        )


def save(results):
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    try:
        with open(RESULTS, encoding="utf-8") as handle:
            saved = json.load(handle)
    except (OSError, ValueError):
        saved = {}
    saved.update(results)
    saved["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}
    with open(RESULTS, "w", encoding="utf-8") as handle:
        json.dump(saved, handle, indent=1, sort_keys=True, default=str)
        handle.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--db", required=True)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (see SIZES)")
    parser.add_argument("--report-url", help="URL of a running Odoo for wkhtmltopdf's assets")
    parser.add_argument("--company", type=int)
    parser.add_argument("--pdf")
    parser.add_argument("--out")
    parser.add_argument("names", nargs="+")
    args = parser.parse_args()
    if args.names == ["_drain"]:
        return drain_main(args)
    if args.names == ["_pdf_worker"]:
        registry = bootstrap(args.config, args.db)
        from odoo.addons.account_octopus.bench import render  # noqa: PLC0415

        return render.pdf_worker_main(registry, args)
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
    registry = bootstrap(args.config, args.db)
    if args.report_url:
        with registry.cursor() as cr:
            from odoo.addons.account_octopus.campaign.world import open_env  # noqa: PLC0415

            open_env(cr)["ir.config_parameter"].set_param("report.url", args.report_url)
    bench = Bench(registry, quick=args.quick, report_url=args.report_url, conf=args.config, db=args.db)
    for name in args.names:
        say(f"\n== {name}{' (quick sizes)' if args.quick else ''}")
        started = time.perf_counter()
        result = getattr(bench, name)()
        result["bench_wall_s"] = round(time.perf_counter() - started, 1)
        result["quick"] = args.quick
        result["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        say(f"  ({name} took {result['bench_wall_s']:.0f} s in all)")
        save({name: result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
