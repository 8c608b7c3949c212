"""Benchmarks and the fault campaign (see bench/README.md). Not loaded by Odoo: imported by the
bench scripts and by tests/test_fault_campaign.py."""
