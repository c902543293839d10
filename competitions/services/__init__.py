"""State changes of skills competitions, one module per stage. Services validate, change,
audit and flush; they never commit and never read the request."""
