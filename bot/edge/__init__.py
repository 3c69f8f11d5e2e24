"""The Bot Framework edge: the only package that imports botbuilder.

It turns Teams activities into the forum's commands and the results into
cards and messages, so the edge can move to the Microsoft 365 Agents SDK
without touching the forum's rules."""
