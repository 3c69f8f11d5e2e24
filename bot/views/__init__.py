"""From the forum's objects to card data, in the reader's words: what a card
shows and which buttons it offers. No SDK here; bot.edge sends the cards."""
