"""Jinja templates of the staff console (a package so that installs carry them)."""
