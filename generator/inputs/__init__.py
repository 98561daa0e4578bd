"""Reading inputs: releases/, environments/ and their merge into effective specs.

Out: `spec.Inputs` (environments in promotion order, releases by name) and, per release and
environment, `resolve.Resolved` (the merged spec that remembers where each value was set).
"""
