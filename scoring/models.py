"""KPIs, incidents, score sheets, rankings and prizes (builds on programs)."""
