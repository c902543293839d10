"""Accounts: users, roles, login, passwords and the administrators' account management."""
