"""Checking the Bot Framework's token on an incoming activity, for the
Agents SDK edge. The SDK checks tokens only in its aiohttp middleware,
which reads signing keys from a fixed address; this does what botbuilder's
`JwtTokenValidation` does, from the OpenID metadata the settings name:
signature (RS256, a published key), issuer, audience (our app id), expiry
with five minutes' leeway, the key's endorsement of the activity's
channel, and the token's service URL against the activity's."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import aiohttp
import jwt
from microsoft_agents.hosting.core import ClaimsIdentity

log = logging.getLogger(__name__)

PUBLIC_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
PUBLIC_ISSUER = "https://api.botframework.com"
LEEWAY_SECONDS = 300  # botbuilder's allowance for clocks that disagree
KEYS_KEPT_SECONDS = 24 * 3600
# An unknown key id makes us read the keys again (they rotate), but not more
# often than this: a flood of forged tokens must not become a flood of reads.
REREAD_AT_MOST_EVERY = 300
RETRY_SECONDS = 10


class Unauthenticated(Exception):
    pass


@dataclass(frozen=True)
class _Key:
    key: object
    endorsements: frozenset[str]


class ChannelTokens:
    def __init__(self, app_id: str, metadata_url: str = "", issuer: str = "", timeout: float = 10.0) -> None:
        self.app_id = app_id
        self._metadata_url = metadata_url or PUBLIC_METADATA
        self._issuer = issuer or PUBLIC_ISSUER
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._keys: dict[str, _Key] = {}
        self._read_at = -float("inf")
        self._reads = 0  # attempts, failed ones too
        self._reading = asyncio.Lock()

    async def identity(self, activity, authorization: str) -> ClaimsIdentity:
        if not self.app_id:
            # No app id: local use, anonymous (bot.config refuses it elsewhere).
            return ClaimsIdentity({}, "anonymous")
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("no bearer token")
        try:
            key_id = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"not a token: {error}") from error
        key = await self._key(key_id)
        if key is None:
            raise Unauthenticated("signed with a key the Bot Framework does not publish")
        if key.endorsements and activity.channel_id not in key.endorsements:
            raise Unauthenticated(f"the key is not endorsed for channel {activity.channel_id}")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(str(error)) from error
        if claims.get("serviceurl") != activity.service_url:
            raise Unauthenticated("the token is for another service URL")
        return ClaimsIdentity(claims, "Bearer", token)

    async def _key(self, key_id: str | None) -> _Key | None:
        now = time.monotonic()
        stale = now - self._read_at > KEYS_KEPT_SECONDS
        if stale or (key_id not in self._keys and now - self._read_at > REREAD_AT_MOST_EVERY):
            reads = self._reads
            async with self._reading:
                if self._reads == reads:  # nobody tried while we waited, not even in vain
                    await self._read_keys()
        return self._keys.get(key_id)

    async def _read_keys(self) -> None:
        self._reads += 1
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as http:
                async with http.get(self._metadata_url) as response:
                    response.raise_for_status()
                    keys_url = (await response.json(content_type=None))["jwks_uri"]
                async with http.get(keys_url) as response:
                    response.raise_for_status()
                    published = (await response.json(content_type=None))["keys"]
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, TypeError, ValueError) as error:
            # The keys we have stay in use; without any, every token is refused
            # until a read succeeds (tried again after RETRY_SECONDS).
            log.warning("could not read the Bot Framework's signing keys: %s", error)
            self._read_at = time.monotonic() - REREAD_AT_MOST_EVERY + RETRY_SECONDS
            return
        keys = {}
        for item in published:
            try:
                keys[item["kid"]] = _Key(jwt.PyJWK(item).key, frozenset(item.get("endorsements") or ()))
            except (jwt.PyJWTError, KeyError, TypeError):
                continue  # a key of a kind we do not use
        self._keys = keys
        self._read_at = time.monotonic()
