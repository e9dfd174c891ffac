"""Lessons: the teaching features built on the models (`interpolation`, `posterior`, `robustness`)."""
