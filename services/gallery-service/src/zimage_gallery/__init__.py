"""zimage gallery service."""
