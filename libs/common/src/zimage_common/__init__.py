"""Shared code for zimage-platform services."""

__version__ = "0.1.0"
