"""The fault campaign and the world it runs in, shared by tests/test_fault_campaign.py (in small) and
bench/ (bench/run faults, the benchmarks). A package of its own: neither the tests import bench/ nor
bench/ imports the tests (importing odoo.tests outside a test run is an error in Odoo)."""
