"""The fault campaign and the world it runs in, shared by tests/test_fault_campaign.py (in small) and
bench/ (bench/run faults, the benchmarks). Not a test module itself."""
