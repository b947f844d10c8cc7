"""Tests: the real Kent data, served processes, Chromium exports, faults and the install."""
