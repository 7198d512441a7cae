"""The domain core of the loyalty platform.

Imports nothing from api, schema, workers, strawberry or starlette.
"""
