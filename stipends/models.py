"""Rate cards, stipend statements, tax and payout batches (builds on scoring)."""
