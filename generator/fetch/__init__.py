"""The artifact fetcher: the content digest of a model artifact, its sources, and a verified download."""

# Here rather than in transfer, so that the CLI can show the default without importing hashlib and the rest.
RETRIES = 5  # consecutive attempts that add no bytes
