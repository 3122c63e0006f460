"""Loading the shipped backbones (placeholder until Imaginer lands)."""
