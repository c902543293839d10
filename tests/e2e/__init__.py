"""Browser tests: real Chromium against a live server (marker ``e2e``)."""
