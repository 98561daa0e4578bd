"""The stages composed: inputs -> resolve -> check -> render -> validate, unit by unit.

Out: `compose.Build` (inputs, effective specs, the rendered tree and its schema findings) and,
from `compose.validate`, a `validate.report.Report`.  Owns the render cache and the workers.
"""
