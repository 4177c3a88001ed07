"""Learning across incidents: counts and trends, similar incidents, patterns and reports.

Everything here reads the tables other features write (incidents, milestones,
role assignments, timeline events, action items, postmortems); nothing here
writes to them except ``/incident tag``'s category and tags.
"""
