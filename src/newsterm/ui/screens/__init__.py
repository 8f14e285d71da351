"""Screens: the main reader and the dialogs."""
