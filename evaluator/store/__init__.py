"""Persistence: content-addressed files, versions, evaluations, users and the hash-chained audit log."""
