"""Notebook plumbing, the bottom layer: used by every other room, imports none of them.

Quiet TensorFlow (`quiet`), seeds (`seeding`), values recorded for the benchmark (`metrics`), the Colab
badge and set-up cell (`colab`), the one figure helper (`figures`), the one explorer shape (`explorer`) and
the language of the library's messages (`language`).
"""
