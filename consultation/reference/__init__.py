"""Reference data: the territories of the Pays de Brest and the five orientations."""
