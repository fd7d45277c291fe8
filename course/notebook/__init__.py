"""Notebook plumbing, the bottom layer: used by every other room, imports none of them.

Quiet TensorFlow (`quiet`), seeds (`seeding`), values recorded for the benchmark (`metrics`), the Colab
badge and set-up cell (`colab`), the one figure helper (`figures`) and the one explorer shape (`explorer`).
"""
