"""Synthetic landing data for comms_warehouse.

The API is ``datagen.generate.generate(out_dir, scale, seed, end_date, dirt_rate, progress)``.
"""
