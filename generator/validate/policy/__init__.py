"""Policies as data: rules and waivers from policies/, checked against rendered objects and effective specs."""
