"""Tests: the dashboard driven in Debian's Chromium through Playwright."""
