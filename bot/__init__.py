"""samarbeidsforum-bot: the Teams bot of the samarbeidsforum."""
