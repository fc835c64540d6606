"""Old months out of the store: monthly partition upkeep (a periodic job) and ``chronicles retention``."""
