"""The tracking engine: plain Python, no Qt. Tracker, store, rules and analytics."""
