"""The local transaction engine: store, ledger, journal, credentials and pricing.

Knows nothing of pygame, drivers or HTTP.
"""
