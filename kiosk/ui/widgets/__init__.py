"""Reusable widgets: buttons, the screen frame, keypads and keyboards, the region picker."""
