"""The canteen receipt, pure and shared by both ends: ``document`` (printer-independent
blocks), ``layout`` (``ReceiptData`` laid out for 42 or 48 columns), ``entry`` (the
receipt of a signed journal entry) and ``text`` (a document as the lines of the paper
roll). The terminal prints it (``drivers.printer``); the hub's portal shows and
exports the same receipt, marked DUPLICATA.
"""
