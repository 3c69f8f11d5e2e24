"""The web server's access log, without the secrets some paths carry.

Download and calendar links hold their token in the path, and an access
log is read by more people than may use the links. So a request to a
route with parameters is logged by its route (`/exports/{token}`), every
other request by its path."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

# What the access log's line names besides the request (activity, forum),
# set by the handler, since the line is written after the handler returns.
ACCESS_LOG_EXTRA = web.RequestKey("log_extra", dict)


class RouteAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %d %.1f ms",
            request.remote,
            request.method,
            _route_of(request),
            response.status,
            response.body_length,
            time * 1000,
            extra=request.get(ACCESS_LOG_EXTRA) or {},
        )


def _route_of(request: web.BaseRequest) -> str:
    match = getattr(request, "match_info", None)
    route = getattr(match, "route", None)
    resource = getattr(route, "resource", None)
    if resource is not None and match:  # a route with parameters: its pattern only
        return resource.canonical
    return request.path
