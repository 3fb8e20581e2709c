"""Social actions, split by area: `graph` (follows, blocks, privacy), `notes`, `feed`."""
