"""The touch UI: the only package that imports Kivy.

Import order matters: :func:`kiosk.ui.bootstrap.configure_kivy` must run before anything imports
Kivy's widgets (they create the Window), so this package imports nothing at package level.
"""
