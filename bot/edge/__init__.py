"""The Bot Framework edge: one package per SDK (`botbuilder_sdk`,
`agents_sdk`), the only code that imports one, and what both share (the
loader that `BOT_SDK` picks by, the handler mixin, the shape of the
connector's requests). Everything else takes the activity as Teams sent
it, so the SDK can be swapped without touching the rest."""
