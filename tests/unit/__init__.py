"""Tests: in-process, synthetic data, no browser: scripts/test --fast runs these."""
