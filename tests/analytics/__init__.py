"""Search, similar incidents, patterns, stats, the monthly report and imports."""
