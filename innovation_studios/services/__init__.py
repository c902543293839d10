"""Services of the innovation-studio feature: they validate, change, audit and flush; the views commit."""
