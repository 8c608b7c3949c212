# pylint: disable=odoo-addons-relative-import  # a script's helper run outside the addon package
"""Where the time of an invoice PDF goes, and the PDF job as a second cron worker (issue 16).

Rendering is split into QWeb to HTML (`_render_qweb_html`), cutting the HTML into body, header and
footer (`_prepare_html`), the wkhtmltopdf process (`_run_wkhtmltopdf`; it fetches the report's
assets over HTTP itself: estimated by fetching them the same number of times) and what follows it
(splitting the PDF per invoice, keeping it as the invoice's legal PDF).
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

PARTS = ("_pre_render_qweb_pdf", "_render_qweb_html", "_prepare_html", "_run_wkhtmltopdf")
ASSET = re.compile(r"""(?:href|src)=["']([^"']*/web/assets/[^"']+)["']""")


def timed_parts(world):
    """Context manager timing the rendering parts (outermost calls) into the returned dict."""
    from odoo.addons.account.models.ir_actions_report import IrActionsReport as AccountReport  # noqa: PLC0415
    from odoo.addons.account_octopus.models.account_move_pdf import AccountMove  # noqa: PLC0415
    from odoo.addons.base.models.ir_actions_report import IrActionsReport  # noqa: PLC0415

    totals = {}
    stack = contextlib.ExitStack()
    for name in PARTS:
        stack.enter_context(world.timed_method(IrActionsReport, name, totals))
    stack.enter_context(world.timed_method(AccountReport, "_get_splitted_report", totals))
    stack.enter_context(world.timed_method(AccountMove, "_octopus_keep_legal_pdfs", totals))
    stack.enter_context(world.timed_method(AccountMove, "_octopus_render_legal_pdfs", totals))
    return stack, totals


def add(total, more):
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total


def breakdown(totals, pdfs, asset_s_per_run):
    """Milliseconds per PDF in each part, from `totals` of timed_parts (one or several processes)."""
    pdfs = pdfs or 1
    runs = totals.get("_run_wkhtmltopdf.calls", 0)
    html = totals.get("_render_qweb_html", 0.0)
    cut = totals.get("_prepare_html", 0.0)
    process = totals.get("_run_wkhtmltopdf", 0.0)
    assets = min(asset_s_per_run * runs, process)
    after = (
        totals.get("_pre_render_qweb_pdf", 0.0)
        - html
        - cut
        - process
        + totals.get("_get_splitted_report", 0.0)
        + totals.get("_octopus_keep_legal_pdfs", 0.0)
    )
    return {
        "pdfs": pdfs,
        "wkhtmltopdf_runs": runs,
        "qweb_to_html_ms": 1000 * html / pdfs,
        "cut_html_ms": 1000 * cut / pdfs,
        "assets_ms": 1000 * assets / pdfs,
        "wkhtmltopdf_process_ms": 1000 * (process - assets) / pdfs,
        "pdf_post_processing_ms": 1000 * max(after, 0.0) / pdfs,
        "total_ms": 1000 * totals.get("_octopus_render_legal_pdfs", 0.0) / pdfs,
    }


def asset_seconds_per_run(env, move):
    """Time to fetch the assets one single-invoice wkhtmltopdf run loads: each stylesheet or script
    of the report's HTML, once for the body and once each for the header and the footer."""
    reports = env["ir.actions.report"]
    html = reports._render_qweb_html("account.account_invoices", move.ids)[0].decode()
    base = reports._get_report_url()
    urls = sorted(set(ASSET.findall(html)))
    spent = 0.0
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        full = base + parts.path + (f"?{parts.query}" if parts.query else "")  # as wkhtmltopdf asks the report URL
        with urllib.request.urlopen(full, timeout=30) as reply:  # noqa: S310 (the bench's own Odoo)
            reply.read()  # warm: Odoo builds the bundle once
        started = time.perf_counter()
        for _ in range(3):
            with urllib.request.urlopen(full, timeout=30) as reply:  # noqa: S310
                reply.read()
        spent += (time.perf_counter() - started) / 3
    return 3 * spent, len(urls)


def start_pdf_worker(bench_file, conf, db, company_id, work):
    """The PDF job in a process of its own (a second cron worker), until `stop()` is called."""
    stop_file = os.path.join(work, f"pdf_worker_{os.getpid()}_{time.time():.0f}.stop")
    out = stop_file[: -len(".stop")] + ".json"
    cmd = [sys.executable, bench_file, "-c", conf, "-d", db, "_pdf_worker", "--company", str(company_id)]
    child = subprocess.Popen([*cmd, "--out", out, "--pdf", stop_file])  # noqa: S603

    def stop():
        with open(stop_file, "w", encoding="utf-8"):
            pass
        child.wait()
        if child.returncode:
            raise RuntimeError(f"PDF worker failed ({child.returncode})")
        with open(out, encoding="utf-8") as handle:
            return json.load(handle)

    return stop


def pdf_worker_main(registry, args):
    """Child process: the PDF job, run again as soon as it ends (as its cron would be, woken by the
    postings), until the stop file appears. `--pdf` carries the stop file's path."""
    from odoo.addons.account_octopus.campaign import world  # noqa: PLC0415

    stack, totals = timed_parts(world)
    runs = 0
    cpu = time.process_time()
    with registry.cursor() as cr, stack:
        env = world.open_env(cr)
        while not os.path.exists(args.pdf):
            before = totals.get("_octopus_keep_legal_pdfs.calls", 0)
            env["octopus.booking"]._cron_prepare_pdfs()
            cr.commit()  # pylint: disable=invalid-commit
            env.invalidate_all()
            runs += 1
            if totals.get("_octopus_keep_legal_pdfs.calls", 0) == before:
                time.sleep(0.2)
    totals["cpu_s"] = time.process_time() - cpu
    totals["job_runs"] = runs
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(totals, handle)
