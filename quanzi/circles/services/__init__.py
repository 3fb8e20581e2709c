"""Circle actions, split by area: `access` (the permission helper), `membership`, `chat`,
`announcements`, `notifications`. Every state change of the domain goes through these."""
