"""Priority votes: one ballot per seat, and the Statsforvalter decides what
the forum cannot."""
