"""The bot's words, per part of the bot: each module has NB and EN."""
