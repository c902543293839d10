"""The annual assessment of named studios: rounds, reports, grades, rectification."""
