"""The exit-entry service hall kiosk application (see README.md and ARCHITECTURE in docs/)."""
