"""TimeForged's self-hosted sync server: several machines and users, one history each."""
