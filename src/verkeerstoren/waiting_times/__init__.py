"""Waiting times (T1): provider-reported and NZa waits against the Treeknormen."""
