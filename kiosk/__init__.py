"""The canteen terminal: transaction engine, touch UI, wiring and CLI."""

__version__ = "0.1.0"
