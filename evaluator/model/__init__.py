"""Domain models: frameworks, tenders and bids. Pure data; no IO beyond loading YAML text."""
