"""zimage service."""
