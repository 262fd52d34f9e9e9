"""Reading and writing one source: load, sniff, explain, save, append, convert and validate."""
