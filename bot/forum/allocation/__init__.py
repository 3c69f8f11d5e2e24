"""The allocation round: the year's budget, and (to come) prioritising,
granting, award letters and reporting back."""
