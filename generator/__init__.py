"""modelops: a GitOps repository generator and validator for AI model releases."""

__version__ = "0.1.0"
