"""Recognising credentials written as plain values (in specs and in rendered env vars)."""

from __future__ import annotations

import re

# Names that announce a credential.
_SECRET_NAME = re.compile(r"(?i)(secret|token|passw(or)?d|api_?key|private_?key|credential|access_?key)")
# Values that are credentials whatever their name (Hugging Face, OpenAI, AWS, PEM keys, GitHub).
_SECRET_VALUE = re.compile(
    r"hf_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|gh[pousr]_[A-Za-z0-9]{36,}"
)


def plaintext_secret(name: str, value: object) -> bool:
    """Whether an env var `name` set to the literal `value` puts a credential in Git."""
    if not isinstance(value, str) or not value:
        return False
    return bool(_SECRET_VALUE.search(value) or _SECRET_NAME.search(name))
