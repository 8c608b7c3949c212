/** @odoo-module */
/**
 * The invoice form follows its Octopus state without a reload: the background job announces each
 * change on Odoo's bus ("account_octopus/move_state" with the move ids, sent to the invoicing users'
 * group channel, see octopus.booking._octopus_announce), and an open, unchanged form of one of
 * those moves reloads its record. A form with unsaved edits is left alone.
 */
import { onWillDestroy } from "@odoo/owl";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";

export const OCTOPUS_MOVE_STATE = "account_octopus/move_state";

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
