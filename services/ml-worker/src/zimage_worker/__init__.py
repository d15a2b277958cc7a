"""zimage ml-worker: runs the Z-Image pipeline for queued generation tasks."""
