"""Texts of choosing a forum, for people in several forums' rosters."""

NB = {
    "cmd_forum": "Bytt forum",
    "cmd_forum_desc": "Velg hvilket av forumene dine du bruker her i chatten",
    "forum_choice_title": "Hvilket forum?",
    "forum_choice_intro": "Du er med i flere samarbeidsforum. Velg hvilket du vil bruke her i chatten. "
    "Jeg husker valget; du kan bytte når som helst med «bytt forum».",
    "forum_choice_then": "Etterpå gjør jeg det du ba om.",
    "forum_choice_use": "Bruk {forum}",
    "forum_choice_current": "Du bruker {forum} nå.",
    "forum_chosen_title": "Du bruker nå {forum}",
    "forum_chosen": "Dette gjelder her i chatten til du bytter med «bytt forum».",
    "forum_in_use": "Du bruker {forum}.",
    "forum_only_one": "Du er bare med i {forum}, så det er ikke noe å velge.",
    "forum_choice_not_here": "Forumet velges bare i personlig chat med meg; i et forums team er det teamets forum som gjelder.",
    "forum_not_yours": "Du står ikke i medlemslisten til det forumet. Ingenting er endret.",
    "role_several_forums": "med i flere samarbeidsforum",
}

EN = {
    "cmd_forum": "Switch forum",
    "cmd_forum_desc": "Choose which of your forums you use in this chat",
    "forum_choice_title": "Which forum?",
    "forum_choice_intro": "You are in several collaboration forums. Choose the one you want to use in this chat. "
    "I remember your choice; you can change it at any time with “switch forum”.",
    "forum_choice_then": "Then I will do what you asked for.",
    "forum_choice_use": "Use {forum}",
    "forum_choice_current": "You are using {forum} now.",
    "forum_chosen_title": "You are now using {forum}",
    "forum_chosen": "This holds in this chat until you change it with “switch forum”.",
    "forum_in_use": "You are using {forum}.",
    "forum_only_one": "You are only in {forum}, so there is nothing to choose.",
    "forum_choice_not_here": "The forum is chosen only in a personal chat with me; in a forum's team, the team's forum holds.",
    "forum_not_yours": "You are not on that forum's roster. Nothing was changed.",
    "role_several_forums": "in several collaboration forums",
}

NN = {
    "cmd_forum": "Byt forum",
    "cmd_forum_desc": "Vel kva for eit av foruma dine du brukar her i chatten",
    "forum_choice_title": "Kva forum?",
    "forum_choice_intro": "Du er med i fleire samarbeidsforum. Vel kva for eit du vil bruke her i chatten. "
    "Eg hugsar valet; du kan byte når som helst med «bytt forum».",
    "forum_choice_then": "Etterpå gjer eg det du bad om.",
    "forum_choice_use": "Bruk {forum}",
    "forum_choice_current": "Du brukar {forum} no.",
    "forum_chosen_title": "Du brukar no {forum}",
    "forum_chosen": "Dette gjeld her i chatten til du byter med «bytt forum».",
    "forum_in_use": "Du brukar {forum}.",
    "forum_only_one": "Du er berre med i {forum}, så det er ikkje noko å velje.",
    "forum_choice_not_here": "Forumet blir berre valt i personleg chat med meg; i eit forum sitt team er det teamet sitt forum som gjeld.",
    "forum_not_yours": "Du står ikkje i medlemslista til det forumet. Ingenting er endra.",
    "role_several_forums": "med i fleire samarbeidsforum",
}
