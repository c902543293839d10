"""Services of the certificates package: :mod:`.issuing` (issue, revoke, replace, render)."""
