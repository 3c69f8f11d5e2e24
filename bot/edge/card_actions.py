"""What a card button may send. Card data is written by the client, so it is
checked here before anything acts on it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RunCommand(_Strict):
    command: str = Field(min_length=1, max_length=64)


class ExecuteAction(_Strict):
    type: Literal["Action.Execute"] = "Action.Execute"
    verb: str = Field(min_length=1, max_length=64)
    data: dict = Field(default_factory=dict)


class ExecuteValue(_Strict):
    action: ExecuteAction


def read_execute(value: object) -> ExecuteAction | None:
    try:
        return ExecuteValue.model_validate(value).action
    except ValidationError:
        return None


def read_data(model: type[_Strict], data: dict) -> _Strict | None:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None
