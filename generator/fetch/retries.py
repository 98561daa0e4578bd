"""How often the fetcher retries, apart from transfer, so that the CLI shows the default without importing it
(and hashlib with it) at every start."""

RETRIES = 5  # consecutive attempts that add no bytes
