"""The Python API: the explicit ``Client`` and the fluent module functions with the active-run stack."""
