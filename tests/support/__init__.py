"""What tests (and benchmarks) share: builders of test data, fake services, checks, and the one
client of the dashboard's HTTP protocol. No test module imports another; they import from here.
"""
