"""The hardware edge: badge readers, code scanners and receipt printers.

Each device turns raw I/O into typed events behind one interface per kind, with real
backends on the vendor libraries and a virtual backend. Nothing here imports ``kiosk``.
"""
