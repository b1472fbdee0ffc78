"""Audits of many repositories: targets, clone cache, one task per repository, results into the store."""
