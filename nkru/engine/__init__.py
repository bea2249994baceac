"""The simulation engine: numpy-only helpers that sampling uses."""
