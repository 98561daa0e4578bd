"""The artifact fetcher: the content digest of a model artifact, its sources, and a verified download."""
