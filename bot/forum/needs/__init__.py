"""Needs reports (behovsmeldinger): what member organisations report they
need of competence development, from draft to granted and reported."""
