"""Outreach's services, one module per area: `sending` (drafts, freezing the audience, the
holdout, delivery), `optout` (a member turns a store's outreach off), `report` (the lift)."""
