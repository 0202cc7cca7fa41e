"""Bank-card payment terminal on a serial ECR link, vendor-pluggable.

* :mod:`drivers.payment.results` and :mod:`drivers.payment.terminal` are vendor-neutral: the
  :class:`~drivers.payment.terminal.PaymentTerminal` interface and the typed results the kiosk uses.
* :mod:`drivers.payment.protocol` (sans-I/O codec), :mod:`drivers.payment.codes` (response codes)
  and :mod:`drivers.payment.driver` form the first adapter, KIOSK-ECR v1.
* :mod:`drivers.payment.simulator` is the terminal side of the same bytes, written independently.
"""
