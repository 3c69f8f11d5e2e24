"""The annual wheel (årshjul): meetings and deadlines, and the reminders
that go out before them."""
