/** @odoo-module */
/**
 * Screens follow the Octopus state without a reload: the background job announces each change on
 * Odoo's bus ("account_octopus/move_state" with the move ids, sent to the invoicing users' group
 * channel, see octopus.booking._octopus_announce).
 * - An open, unchanged invoice form of one of those moves reloads its record; a form with unsaved
 *   edits is left alone.
 * - An open list of Octopus bookings (the Octopus monitor) searches again, counters included, as
 *   when the user changes a filter: booked rows leave "Not sent yet", new failures show up. It
 *   waits a moment so that a job booking many invoices reloads it once, not once per invoice, and
 *   leaves a list with selected rows alone (the user is about to act on them).
 */
import { onWillDestroy } from "@odoo/owl";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";
import { ListController } from "@web/views/list/list_controller";

export const OCTOPUS_MOVE_STATE = "account_octopus/move_state";
const MONITOR_REFRESH_DELAY = 500; // ms

patch(FormController.prototype, {
    setup() {
        super.setup(...arguments);
        const busService = this.env.services.bus_service;
        if (this.props.resModel !== "account.move" || !busService) {
            return;
        }
        const onStateChange = ({ move_ids }) => {
            const root = this.model.root;
            if (root && !root.isNew && move_ids.includes(root.resId) && !root.dirty) {
                root.load();
            }
        };
        busService.subscribe(OCTOPUS_MOVE_STATE, onStateChange);
        onWillDestroy(() => busService.unsubscribe(OCTOPUS_MOVE_STATE, onStateChange));
    },
});

patch(ListController.prototype, {
    setup() {
        super.setup(...arguments);
        const busService = this.env.services.bus_service;
        if (this.props.resModel !== "octopus.booking" || !busService) {
            return;
        }
        let timer = null;
        const refresh = () => {
            timer = null;
            const root = this.model.root;
            if (root.selection.length || root.editedRecord) {
                return;
            }
            // what changing a filter does: the search panel's counters, then the list
            this.env.searchModel._notify();
        };
        const onStateChange = () => {
            timer ??= setTimeout(refresh, MONITOR_REFRESH_DELAY);
        };
        busService.subscribe(OCTOPUS_MOVE_STATE, onStateChange);
        onWillDestroy(() => {
            clearTimeout(timer);
            busService.unsubscribe(OCTOPUS_MOVE_STATE, onStateChange);
        });
    },
});
