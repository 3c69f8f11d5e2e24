"""The samarbeidsforum: its roster, its people and its rules."""
