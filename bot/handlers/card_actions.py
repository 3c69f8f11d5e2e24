"""What a card button may send. Card data is written by the client, so it is
checked here before anything acts on it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.forum.roster import Refused


class CardData(BaseModel):
    """What one kind of button sends: keys it does not know are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class RunCommand(CardData):
    command: str = Field(min_length=1, max_length=64)


class ExecuteAction(CardData):
    type: Literal["Action.Execute"] = "Action.Execute"
    verb: str = Field(min_length=1, max_length=64)
    data: dict = Field(default_factory=dict)


class ExecuteValue(CardData):
    action: ExecuteAction


def read_execute(value: object) -> ExecuteAction | None:
    try:
        return ExecuteValue.model_validate(value).action
    except ValidationError:
        return None


def read_data(model: type[CardData], data: dict) -> CardData | None:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def card_data(model: type[CardData], data: dict, refusal: str = "bad_card_data") -> CardData:
    """The button's data as ``model``, or refused with ``refusal``."""
    parsed = read_data(model, data)
    if parsed is None:
        raise Refused(refusal)
    return parsed
