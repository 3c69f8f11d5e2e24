"""The bot's side of Teams, free of either SDK: each command or card verb
→ one function, over the forum's services (bot.forum), with the cards
from bot.views; and the notifiers the posts hand their batches to."""
