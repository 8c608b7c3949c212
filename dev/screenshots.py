"""Take the README's screenshots from a running demo (dev/demo), so they show what the demo shows.

    python3 dev/screenshots.py [http://localhost:8069] [http://127.0.0.1:8099]

Needs the `playwright` Python package and Debian's chromium (/usr/bin/chromium); writes
docs/screenshots/*.png.
"""

import os
import sys

from playwright.sync_api import sync_playwright

ODOO = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8069"
SANDBOX = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8099"
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "screenshots")

PAGES = [
    ("1-connection", "/odoo/action-account_octopus.action_octopus_connection", "first-record"),
    ("2-dossier", "/odoo/action-account_octopus.action_octopus_dossier", "first-record"),
    ("3-bookyears", "/odoo/action-account_octopus.action_octopus_bookyear", None),
    ("5-invoices", "/odoo/action-account.action_move_out_invoice_type", None),
    ("6-invoice-sent", "/odoo/action-account.action_move_out_invoice_type", "first-record"),
    ("7-pushes", "/odoo/action-account_octopus.action_octopus_pushes", None),
    ("9-monitor", "/odoo/action-account_octopus.action_octopus_monitor", None),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{ODOO}/web/login")
        page.fill("input[name=login]", "admin")
        page.fill("input[name=password]", "admin")
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar", timeout=60000)
        for name, path, mode in PAGES:
            page.goto(ODOO + path)
            page.wait_for_selector(".o_action_manager .o_view_controller", timeout=60000)
            if mode == "first-record":
                page.click(".o_data_row .o_data_cell", timeout=30000)
                page.wait_for_selector(".o_form_view", timeout=30000)
            page.wait_for_timeout(1200)
            page.screenshot(path=os.path.join(OUT, f"{name}.png"))
        # Link companies: every dossier of the login next to its company.
        page.goto(ODOO + "/odoo/action-account_octopus.action_octopus_connection")
        page.click(".o_data_row td[name=name]", timeout=60000)
        page.click("button[name=action_link_companies]", timeout=30000)
        page.wait_for_selector(".modal .o_data_row", timeout=30000)
        page.wait_for_timeout(1200)
        page.screenshot(path=os.path.join(OUT, "4-link-companies.png"))
        # The portfolio, from the menu Accounting > Octopus: it reloads the page with every company of
        # the user ticked in the switcher.
        page.goto(ODOO + "/odoo/action-account_octopus.action_server_octopus_portfolio")
        page.wait_for_url("**/action-account_octopus.action_octopus_portfolio**", timeout=60000)
        page.wait_for_selector(".o_list_view .o_data_row", timeout=60000)
        page.wait_for_timeout(1200)
        page.screenshot(path=os.path.join(OUT, "9-portfolio.png"))
        # An association's mapping on one tab, with the suggestions.
        page.locator(".o_data_row", has_text="Parkzicht").first.click(timeout=60000)
        page.click(".o_notebook a.nav-link[name=mapping_lines]", timeout=30000)
        page.wait_for_timeout(1200)
        page.screenshot(path=os.path.join(OUT, "10-mapping-tab.png"))
        page.goto(SANDBOX + "/_sandbox/")
        page.wait_for_timeout(1500)
        page.screenshot(path=os.path.join(OUT, "8-sandbox-control.png"), full_page=True)
        browser.close()
    print("screenshots written to", OUT)


if __name__ == "__main__":
    main()
