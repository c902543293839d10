"""Audit log: an append-only record of every state change."""
