"""Sync: the wire protocol shared by terminal and hub, the journal's canonical form,
the terminal's sync client and daemon, and the reference hub (``sync.server``).

Nothing here imports ``kiosk``; both the terminal and the hub import from here.
"""
