"""Reading bid files: bytes in, a validated BidSet out. Nothing here decides a score."""
