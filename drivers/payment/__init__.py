"""Bank-card payment terminals: the device kind (``PaymentTerminal``, its outcomes),
the Caisse-AP message format, the Caisse-AP-over-IP backend and the virtual one."""

from drivers.payment.base import PaymentOutcome, PaymentStatus, PaymentTerminal, ReadMode

__all__ = ["PaymentOutcome", "PaymentStatus", "PaymentTerminal", "ReadMode"]
