"""Texts of the priority votes."""

NB = {
    "vote_no_seat": "Bare representanten eller varaen for et sete kan stemme. Ingenting er registrert.",
    "vote_unknown": "Den avstemningen finner jeg ikke. Ingenting er registrert.",
    "vote_closed": "Avstemningen er avsluttet. Stemmen er ikke registrert.",
    "vote_bad_choice": "Stemmen nevner et alternativ som ikke er med i avstemningen. Ingenting er registrert.",
    "vote_too_many": "Velg fra 1 til {limit} alternativer. Ingenting er registrert.",
}

EN = {
    "vote_no_seat": "Only the representative or the deputy of a seat can vote. Nothing was recorded.",
    "vote_unknown": "I cannot find that vote. Nothing was recorded.",
    "vote_closed": "The vote has closed. The ballot was not recorded.",
    "vote_bad_choice": "The ballot names an option that is not in the vote. Nothing was recorded.",
    "vote_too_many": "Choose 1 to {limit} options. Nothing was recorded.",
}
