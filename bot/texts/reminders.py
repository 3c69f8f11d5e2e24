"""Texts of the reminders the annual wheel sends."""

NB = {
    "reminder_heading": "Påminnelse fra årshjulet · {left}",
    "reminder_personal_heading": "Påminnelse til deg · {left}",
    "reminder_what": "Hva",
    "reminder_place": "Sted",
    "reminder_organisation": "Organisasjon",
    "reminder_missing": "Ikke sendt inn ennå: {organisations}.",
    "reminder_all_sent": "Alle nettverk og fylkeskommuner har sendt inn behovsmelding.",
    "reminder_nudge_text": "Organisasjonen din har ikke sendt inn behovsmelding for {year} ennå.",
    "reminder_wheel_button": "Årshjulet",
    "reminder_needs_button": "Behovsmelding",
    "event_kind_vaarmote": "Vårmøte",
    "event_kind_hostmote": "Høstmøte",
    "event_kind_ekstramote": "Ekstramøte",
    "event_kind_frist_behovsmeldinger": "Frist for behovsmeldinger",
    "event_kind_frist_rapportering": "Frist for rapportering",
    "event_kind_annet": "Annet",
}

EN = {
    "reminder_heading": "Reminder from the annual wheel · {left}",
    "reminder_personal_heading": "Reminder for you · {left}",
    "reminder_what": "What",
    "reminder_place": "Where",
    "reminder_organisation": "Organisation",
    "reminder_missing": "Not sent yet: {organisations}.",
    "reminder_all_sent": "All networks and county councils have sent a needs report.",
    "reminder_nudge_text": "Your organisation has not sent a needs report for {year} yet.",
    "reminder_wheel_button": "Annual wheel",
    "reminder_needs_button": "Needs report",
    "event_kind_vaarmote": "Spring meeting",
    "event_kind_hostmote": "Autumn meeting",
    "event_kind_ekstramote": "Extra meeting",
    "event_kind_frist_behovsmeldinger": "Deadline for needs reports",
    "event_kind_frist_rapportering": "Deadline for reporting",
    "event_kind_annet": "Other",
}
