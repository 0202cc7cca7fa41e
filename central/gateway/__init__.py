"""Payment gateways for mobile payment codes: the interface a site implements, our micropay adapter,
and a gateway simulator served over HTTP (docs/payment.md, "Payment gateway adapters")."""
