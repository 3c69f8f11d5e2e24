"""The forum's meetings: the notice (innkalling), each seat's answer and
its deputy standing in."""
