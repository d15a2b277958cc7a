"""zimage image service."""
