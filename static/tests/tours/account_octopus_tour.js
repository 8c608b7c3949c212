/** @odoo-module */
/**
 * The onboarding path of account_octopus, clicked through in the browser (tests/test_tour.py).
 *
 * Three tours, started one after the other by the Python test, each from its own page:
 *   1. account_octopus_tour_link: connection → "Test connection" → "Link with Octopus" → dossier →
 *      "Synchronise bookyears";
 *   2. account_octopus_tour_journal: the sales journal's Octopus tab → Octopus journal V1;
 *   3. account_octopus_tour_invoice: a new customer invoice → Confirm → "To send"; the background job
 *      (run by the test) books it and the open form turns "Sent", with its Octopus number, without
 *      a page reload (Odoo's bus, static/src/js/octopus_move_refresh.js);
 *   4. account_octopus_tour_monitor: the ticketing organiser's morning after a lock in Octopus: the
 *      lock's activity in Odoo's activity menu (their notification preference is e-mail), the
 *      Octopus monitor counting the waiting invoices, all selected, "Send now / Retry", the toast;
 *      the background job (run by the test) books them and they leave the monitor without a page
 *      reload (Odoo's bus again).
 * Selectors go by field and button names (div[name=...], button[name=...]), never by labels that
 * translations or wording changes would break, except the record names the test itself creates.
 */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const tours = registry.category("web_tour.tours");

/** Open the sandbox connection from the list and sign in (the first steps of two tours). */
const signInSteps = () => [
    {
        content: "Open the sandbox connection",
        trigger: ".o_view_controller.o_list_view .o_data_row td[name=name]:contains(Octopus sandbox)",
        run: "click",
    },
    {
        content: "Sign in to Octopus",
        trigger: ".o_form_view .o_form_statusbar button[name=action_test_connection]",
        run: "click",
    },
    {
        content: "The sign-in worked: the statusbar says so",
        trigger: ".o_form_view .o_form_statusbar div[name=state] .o_arrow_button_current[data-value=ok]",
    },
];

tours.add("account_octopus_tour_link", {
    steps: () => [
        ...signInSteps(),
        {
            content: "Link the company with its Octopus dossier (found by VAT number)",
            trigger: ".o_form_view .o_form_statusbar button[name=action_link_company]",
            run: "click",
        },
        {
            content: "The company is linked: the connection holds one dossier",
            trigger: ".o_form_view button[name=action_open_dossiers] .o_stat_value:contains(1)",
        },
        {
            content: "Open the dossiers of the connection",
            trigger: ".o_form_view button[name=action_open_dossiers]",
            run: "click",
        },
        {
            content: "Open the linked dossier",
            trigger: ".o_view_controller.o_list_view .o_data_row td[name=name]",
            run: "click",
        },
        {
            content: "Synchronise bookyears, journals, accounts and VAT codes",
            trigger: ".o_form_view .o_form_statusbar button[name=action_sync_bookyears]",
            run: "click",
        },
        {
            content: "The Octopus journals are there",
            trigger: ".o_form_view button[name=action_open_journals] .o_stat_value:not(:contains(/^0$/))",
        },
        {
            content: "Look at the bookyears",
            trigger: ".o_form_view .o_notebook a.nav-link[name=bookyears]",
            run: "click",
        },
        {
            content: "The bookyears came from Octopus",
            trigger: ".o_form_view div[name=bookyear_ids] .o_data_row",
        },
    ],
});

tours.add("account_octopus_tour_journal", {
    steps: () => [
        {
            content: "Open the sales journal",
            trigger: ".o_view_controller.o_list_view .o_data_row td[name=name]:contains(Customer Invoices)",
            run: "click",
        },
        {
            content: "Open its Octopus tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name=octopus]",
            run: "click",
        },
        {
            content: "Choose the Octopus sales journal",
            trigger: ".o_form_view div[name=octopus_journal_id] input",
            run: "edit V1",
        },
        {
            content: "V1 VERKOPEN",
            trigger: ".o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item a:contains(V1)",
            run: "click",
        },
        {
            content: "V1 is chosen",
            trigger: ".o_form_view div[name=octopus_journal_id] input:value(/^V1/)",
        },
        ...stepUtils.saveForm(),
    ],
});

tours.add("account_octopus_tour_invoice", {
    steps: () => [
        {
            content: "Create a customer invoice",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        {
            content: "Customer",
            trigger: ".o_form_view div[name=partner_id] input",
            run: "edit Bakkerij Peeters",
        },
        {
            content: "Pick the customer",
            trigger: ".o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item a:contains(Bakkerij Peeters)",
            run: "click",
        },
        {
            content: "The customer is chosen",
            trigger: ".o_form_view div[name=partner_id] input:value(Bakkerij Peeters)",
        },
        {
            content: "Add an invoice line",
            trigger: "div[name=invoice_line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "The product",
            trigger: "div[name=invoice_line_ids] .o_selected_row div[name=product_id] input",
            run: "edit Sourdough bread",
        },
        {
            content: "Pick the product",
            trigger: ".o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item a:contains(Sourdough bread)",
            run: "click",
        },
        {
            content: "The total includes 21% VAT",
            trigger: ".o_form_view div[name=tax_totals]:contains(121.00)",
        },
        {
            content: "Confirm the invoice",
            trigger: ".o_form_view .o_form_statusbar button[name=action_post]",
            run: "click",
        },
        {
            content: "Posted: the badge says To send, and the form stays open",
            trigger: ".o_form_view button[name=action_octopus_open_attempts] div[name=octopus_state] .badge.text-bg-info",
            run() {
                // A page reload would drop this class: the next step finds the badge changed in place.
                document.body.classList.add("o_octopus_tour_not_reloaded");
                // tests/test_tour.py runs the background job once it reads this line (FORM_WAITS).
                console.log("account_octopus tour: the invoice form waits for the background job");
            },
        },
        {
            content: "Octopus booked it: without a reload, the badge says Sent (Odoo's bus told the form)",
            trigger:
                "body.o_octopus_tour_not_reloaded .o_form_view button[name=action_octopus_open_attempts] div[name=octopus_state] .badge.text-bg-success",
            // the job waits for the browser's requests (one test transaction at a time) and calls the sandbox
            timeout: 30000,
        },
        {
            content: "... with the Octopus number (bookyear/journal/number)",
            trigger: ".o_form_view button[name=action_octopus_open_attempts] div[name=octopus_number]:contains(/V1/)",
        },
        {
            content: "The chatter tells the Octopus number too",
            trigger: ".o-mail-Chatter .o-mail-Message-body:contains(/V1/)",
        },
    ],
});

// Link companies: every dossier of the login next to its company, linked in one go (tests/test_tour.py).
tours.add("account_octopus_tour_link_companies", {
    steps: () => [
        ...signInSteps(),
        {
            content: "Open Link companies",
            trigger: ".o_form_view .o_form_statusbar button[name=action_link_companies]",
            run: "click",
        },
        {
            content: "Each dossier is listed next to the company with its VAT number",
            trigger: ".modal .o_data_row:contains(Tour association 1002) td[name=company_id]:contains(Tour association 1002)",
        },
        {
            content: "A dossier without a company: create it from the dossier",
            trigger: ".modal .o_data_row:contains(ACP Les Jardins de la Meuse) td[name=decision]",
            run: "click",
        },
        {
            content: "Choose 'Create the company'",
            trigger: ".modal .o_data_row.o_selected_row td[name=decision] select",
            run: `select "create"`,
        },
        {
            content: "Link the chosen rows in one go",
            trigger: ".modal footer button[name=action_link]",
            run: "click",
        },
        {
            content: "The notification says what was linked and synchronised",
            trigger: ".o_notification .o_notification_bar.bg-success",
            // a company created with its chart of accounts and three synchronisations: seconds alone,
            // up to a minute on a machine shared with other test runs (60 s is a tour step's maximum)
            timeout: 60000,
        },
        {
            content: "The screen is closed",
            trigger: "body:not(:has(.modal-dialog))",
            // it closes once the connection form has reloaded, which waits for the same busy server
            timeout: 60000,
        },
        {
            content: "Back on the connection, which holds the dossiers",
            trigger: ".o_form_view button[name=action_open_dossiers] .o_stat_value:not(:contains(/^0$/))",
            timeout: 60000,
        },
        {
            content: "The connection form is back after its reload, nothing left in flight",
            trigger: ".o_form_view .o_form_statusbar button[name=action_link_companies]:enabled",
            timeout: 60000,
        },
    ],
});

tours.add("account_octopus_tour_monitor", {
    steps: () => [
        {
            content: "The lock notice is in Odoo's activity menu, although notifications go by e-mail",
            trigger: ".o_menu_systray .o-mail-ActivityMenu-counter",
        },
        {
            content: "Open the activity menu",
            trigger: ".o_menu_systray i[aria-label=Activities]",
            run: "click",
        },
        {
            content: "The Octopus dossier has the lock's activity",
            trigger: ".o-mail-ActivityMenu .o-mail-ActivityGroup:contains(Octopus dossier)",
        },
        {
            content: "Close the activity menu",
            trigger: ".o_menu_systray i[aria-label=Activities]",
            run: "click",
        },
        {
            content: "The monitor counts the waiting invoices per state",
            trigger: ".o_search_panel .o_search_panel_label:contains(Waiting) .o_search_panel_counter:contains(2)",
        },
        {
            content: "... and lists them with their reason",
            trigger: ".o_list_view .o_data_row td[name=waiting_reason]:not(:empty)",
        },
        {
            content: "Select them all",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Send now / Retry",
            trigger: ".o_control_panel button[name=action_octopus_send]",
            run: "click",
        },
        {
            content: "The toast says they are queued",
            trigger: ".o_notification:contains(queued)",
        },
        {
            content: "The monitor lists them To send, no longer selected, the background job not run yet",
            trigger:
                ".o_list_view:not(:has(.o_data_row .o_list_record_selector input:checked)) .o_data_row td[name=state] .badge.text-bg-info",
            run() {
                // A page reload would drop this class: the next step finds the list changed in place.
                document.body.classList.add("o_octopus_tour_not_reloaded");
                // tests/test_tour.py runs the background job once it reads this line (MONITOR_WAITS).
                console.log("account_octopus tour: the monitor waits for the background job");
            },
        },
        {
            content: "Octopus booked them: without a reload, they leave the monitor (Odoo's bus told the list)",
            trigger: "body.o_octopus_tour_not_reloaded .o_view_nocontent .o_view_nocontent_smiling_face",
            // the job waits for the browser's requests (one test transaction at a time) and calls the sandbox
            timeout: 30000,
        },
        {
            content: "... and the state counts no longer count any",
            trigger: ".o_search_panel:not(:has(.o_search_panel_counter))",
        },
    ],
});
