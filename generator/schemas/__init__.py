"""Every JSON Schema the tool applies: its own (beside this file), the bundled Kubernetes ones, CRDs.

Out: findings, `messages.Finding` = (field path, message).  `lookup.SchemaLookup` is the one
place that decides which schema an object is checked against, in repository mode and in
`validate PATH`.
"""
