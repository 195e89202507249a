"""Preprocessing layers (image resizing and augmentation)."""
