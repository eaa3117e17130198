"""Pure pandas/numpy/LightGBM risk module. Never imports Django."""
