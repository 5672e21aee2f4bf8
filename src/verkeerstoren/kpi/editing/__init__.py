"""Analyst pages that create and edit the goal tree, indicators and projects."""
