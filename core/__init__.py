"""The domain: incident lifecycle, timeline, roles, postmortems, action items, analytics.

Nothing in this package imports Slack; it is tested on its own.
"""
