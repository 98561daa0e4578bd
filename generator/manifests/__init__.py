"""`modelops validate PATH...`: any Kubernetes YAML from files, directories or stdin, as kubeconform checks it.

Out: `checker.ManifestReport`, whose objects end valid, invalid, error or skipped.
"""
